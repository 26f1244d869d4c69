using System.Globalization;

namespace Approvals.Benchmarks.Support;

/// <summary>
/// Reads <c>--name value</c> options one at a time for the benchmarks' option records: each option's
/// handler asks for its value as text or as a whole number with a lower bound; a bad value is an ArgumentException.
/// </summary>
public sealed class ArgReader(string[] args)
{
    private int _at = -1;

    public static T Parse<T>(string[] args, T seed, Func<T, string, ArgReader, T> apply)
    {
        var reader = new ArgReader(args);
        var options = seed;
        while (++reader._at < args.Length) options = apply(options, args[reader._at], reader);
        return options;
    }

    public string Value() => _at + 1 < args.Length ? args[++_at] : throw new ArgumentException($"{args[_at]} needs a value");

    public int Number(int min)
    {
        var name = args[_at];
        return int.TryParse(Value(), CultureInfo.InvariantCulture, out var n) && n >= min ? n : throw new ArgumentException($"{name} needs a whole number >= {min}");
    }
}
