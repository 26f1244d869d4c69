using System.Text.RegularExpressions;

namespace Approvals.Engine.Model;

/// <summary>
/// The one rule for the names that appear in URLs and references — workflow keys and calendar names:
/// lower-case letters, digits and '-', starting with a letter or digit, at most 64 characters.
/// </summary>
public static partial class Keys
{
    public static bool IsValid(string? key) => key is not null && Pattern().IsMatch(key);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
