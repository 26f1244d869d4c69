namespace Approvals.Testing;

public static class Repository
{
    /// <summary>The folder holding Approvals.sln, found above this program (or the current directory).</summary>
    public static string Root
    {
        get
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "Approvals.sln"))) return dir.FullName;
            throw new InvalidOperationException("The repository root (with Approvals.sln) was not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// The built server: <paramref name="explicitFolder"/>, else src/Approvals.Server/bin/&lt;configuration&gt;/net10.0,
    /// preferring this program's own configuration (Release when built by scripts/timer-lateness.sh).
    /// </summary>
    public static string ServerBin(string? explicitFolder)
    {
        if (!string.IsNullOrEmpty(explicitFolder))
            return File.Exists(Path.Combine(explicitFolder, "Approvals.Server.dll"))
                ? Path.GetFullPath(explicitFolder)
                : throw new InvalidOperationException($"No Approvals.Server.dll in {explicitFolder}.");
#if DEBUG
        string[] order = ["Debug", "Release"];
#else
        string[] order = ["Release", "Debug"];
#endif
        var bin = Path.Combine(Root, "src", "Approvals.Server", "bin");
        return order.Select(c => Path.Combine(bin, c, "net10.0")).FirstOrDefault(d => File.Exists(Path.Combine(d, "Approvals.Server.dll")))
            ?? throw new InvalidOperationException($"Approvals.Server.dll was not found under {bin}/<configuration>/net10.0: build it first.");
    }
}
