using System.Reflection;
using System.Text.RegularExpressions;
using Approvals.Server.Features.Examples;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>
/// Finds the template a message is written with: a manager's saved row wins; else the default from
/// <c>workflows/templates/&lt;name&gt;.{subject,html,text}.sbn</c> beside the examples; else the same defaults embedded
/// in the server. A name without a default (one a <c>Notify</c> activity made up) gets the generic <c>notification</c>.
/// Read at every dispatcher round, so a saved template takes effect on the next message.
/// </summary>
public sealed partial class TemplateStore(IOptions<ExamplesOptions> examples, IHostEnvironment env)
{
    public const string Generic = "notification";

    /// <summary>The names API.md lists, plus the answer to a refused reply and the generic one.</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        "task-assigned", "task-reminder", "task-overdue", "task-escalated", "changes-requested", "case-approved", "case-rejected",
        "reply-refused", Generic,
    ];

    private static readonly string[] Parts = ["subject", "html", "text"];

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public async Task<(TemplateSource Source, bool Saved)> FindAsync(ApprovalsDb db, string name, CancellationToken ct)
    {
        var row = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        return row is null ? (Default(name), false) : (new TemplateSource(row.Name, row.Subject, row.Html, row.Text), true);
    }

    /// <summary>
    /// <see cref="FindAsync"/> for several names in one read (a dispatcher round's templates): a manager's saved
    /// template takes effect from the next round on.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, TemplateSource>> FindManyAsync(ApprovalsDb db, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        var saved = await db.Templates.AsNoTracking().Where(t => names.Contains(t.Name)).ToDictionaryAsync(t => t.Name, ct);
        return names.Distinct().ToDictionary(n => n, n => saved.TryGetValue(n, out var row) ? new TemplateSource(row.Name, row.Subject, row.Html, row.Text) : Default(n));
    }

    /// <summary>The default of <paramref name="name"/>, or the generic one under that name.</summary>
    public TemplateSource Default(string name) =>
        Read(name) is { } found ? found : (Read(Generic) ?? throw new InvalidOperationException("The built-in notification template is missing.")) with { Name = name };

    public bool HasDefault(string name) => Read(name) is not null;

    private TemplateSource? Read(string name)
    {
        if (!IsValidName(name)) return null;
        var folder = LoadExamples.FindFolder(examples.Value, env.ContentRootPath) is { } w ? Path.Combine(w, "templates") : null;
        var texts = new string?[Parts.Length];
        for (var i = 0; i < Parts.Length; i++)
        {
            var file = $"{name}.{Parts[i]}.sbn";
            texts[i] = folder is not null && File.Exists(Path.Combine(folder, file)) ? File.ReadAllText(Path.Combine(folder, file)) : Embedded(file);
            if (texts[i] is null) return null;
        }
        return new TemplateSource(name, texts[0]!.TrimEnd('\r', '\n'), texts[1]!, texts[2]!);
    }

    private static string? Embedded(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("templates." + file);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    private static partial Regex NamePattern();
}
