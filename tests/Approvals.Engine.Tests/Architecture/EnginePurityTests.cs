using System.Text.RegularExpressions;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Architecture;

/// <summary>
/// Keeps the engine pure: it references no host library (database, web, jobs, templates, mail) and reads
/// no clock, random source or fresh GUID. Time and ids come in with the events.
/// </summary>
public sealed class EnginePurityTests
{
    private static readonly string[] ForbiddenAssemblyPrefixes =
        ["Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "Hangfire", "Scriban", "MailKit", "MimeKit", "Npgsql"];

    private static readonly string[] ForbiddenCalls =
    [
        "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow", "Guid.NewGuid", "new Random",
        "Random.Shared", "Environment.TickCount", "Stopwatch", "TimeProvider.System", "RandomNumberGenerator", "SystemClock.Instance",
    ];

    /// <summary>The forbidden calls a line of code makes, ignoring a trailing comment and longer names that merely contain one.</summary>
    private static IEnumerable<string> ForbiddenIn(string line)
    {
        var code = WithoutComment(line);
        return ForbiddenCalls.Where(call => Regex.IsMatch(code, @"(?<!\w)" + Regex.Escape(call) + @"(?!\w)"));
    }

    [Fact]
    public void EngineAssembly_References_NoHostLibrary()
    {
        var references = typeof(WorkflowEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        var offending = references.Where(r => ForbiddenAssemblyPrefixes.Any(p => r.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();

        Assert.True(offending.Count == 0, "Approvals.Engine references " + string.Join(", ", offending));
        Assert.Contains("Jint", references); // the scan sees real references, not an empty list
    }

    [Fact]
    public void EngineSources_Contain_NoClockRandomOrGuidSource()
    {
        var folder = Path.Combine(RepoFiles.Root, "src", "Approvals.Engine");
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !InBuildOutput(folder, f))
            .ToList();
        Assert.NotEmpty(files);

        var faults = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var call in ForbiddenIn(lines[i]))
                    faults.Add($"{Path.GetRelativePath(RepoFiles.Root, file)}:{i + 1}: {call}");
            }
        }

        Assert.True(faults.Count == 0, "The engine must take time and ids from its events:\n" + string.Join("\n", faults));
    }

    [Theory]
    [InlineData("var now = DateTime.UtcNow;", true)]
    [InlineData("var id = System.Guid.NewGuid();", true)]
    [InlineData("var r = new Random(4);", true)]
    [InlineData("RandomNumberGenerator.Fill(bytes);", true)]
    [InlineData("var t = MyDateTime.Now;", false)]
    [InlineData("var at = e.At; // never DateTime.UtcNow", false)]
    public void IsForbidden_SourceLine_MatchesCallsButNotLookalikesOrComments(string line, bool expected)
    {
        Assert.Equal(expected, ForbiddenIn(line).Any());
    }

    private static bool InBuildOutput(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        return relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal);
    }

    /// <summary>The line without a trailing // comment (and /// docs), so prose that names a forbidden call is allowed.</summary>
    private static string WithoutComment(string line)
    {
        var at = line.IndexOf("//", StringComparison.Ordinal);
        return at < 0 ? line : line[..at];
    }
}
