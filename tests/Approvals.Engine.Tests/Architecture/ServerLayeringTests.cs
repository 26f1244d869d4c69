using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Architecture;

/// <summary>
/// Dependencies in the server point one way: Features → Persistence → Engine. Persistence and the job
/// runners never import a use case (read from the sources, as the server assembly is not referenced here).
/// </summary>
public sealed class ServerLayeringTests
{
    [Theory]
    [InlineData("Persistence")]
    [InlineData("Jobs")]
    [InlineData("Http")]
    public void ServerFolder_Imports_NoFeature(string folder)
    {
        var root = Path.Combine(RepoFiles.Root, "src", "Approvals.Server", folder);
        var offenders = System.IO.Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (path, line, i)))
            .Where(x => x.line.TrimStart().StartsWith("using Approvals.Server.Features", StringComparison.Ordinal))
            .Select(x => $"{Path.GetRelativePath(RepoFiles.Root, x.path)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        Assert.Empty(offenders);
    }
}
