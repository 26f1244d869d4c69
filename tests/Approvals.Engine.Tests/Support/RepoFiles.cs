using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;

namespace Approvals.Engine.Tests.Support;

/// <summary>Files of the repository itself: its root, the example workflows and the demo directory.</summary>
internal static class RepoFiles
{
    /// <summary>The folder holding Approvals.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Approvals.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Approvals.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Every example definition under workflows/ (the JSON files that hold a flowchart), by file name.</summary>
    public static IReadOnlyList<(string Name, WorkflowDefinition Definition)> ExampleWorkflows()
    {
        var list = new List<(string, WorkflowDefinition)>();
        foreach (var path in System.IO.Directory.GetFiles(Path.Combine(Root, "workflows"), "*.json").Order(StringComparer.Ordinal))
        {
            var json = File.ReadAllText(path);
            if (JsonNode.Parse(json) is not JsonObject o || o["root"] is null) continue;
            list.Add((Path.GetFileName(path), Definitions.Read(json)));
        }
        return list;
    }

    /// <summary>workflows/directory.json as the engine sees it: groups with their members, and managers.</summary>
    public static (DirectorySnapshot Directory, IReadOnlyList<string> Users) DemoDirectory()
    {
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "workflows", "directory.json")))!.AsObject();
        var directory = new DirectorySnapshot();
        var users = new List<string>();
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var g in doc["groups"]?.AsArray() ?? []) members[(string)g!["name"]!] = [];
        foreach (var u in doc["users"]?.AsArray() ?? [])
        {
            var email = ((string)u!["email"]!).ToLowerInvariant();
            users.Add(email);
            if ((string?)u["manager"] is { } manager) directory.SetManager(email, manager);
            foreach (var g in u["groups"]?.AsArray() ?? [])
            {
                var name = (string)g!;
                if (!members.TryGetValue(name, out var list)) members[name] = list = [];
                list.Add(email);
            }
        }
        foreach (var (name, list) in members) directory.AddGroup(name, [.. list.Order(StringComparer.Ordinal)]);
        return (directory, users);
    }
}
