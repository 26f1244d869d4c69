using System.Text.Json.Nodes;

namespace Approvals.Engine.Model;

public sealed record Connection(Endpoint Source, Endpoint Target);

public sealed record Endpoint(string Activity, string Port);

/// <summary>A parsed, immutable workflow definition. Build it with <see cref="Json.DefinitionReader"/>.</summary>
public sealed class WorkflowDefinition
{
    private readonly Dictionary<string, Activity> _byId;
    private readonly Dictionary<(string, string), List<string>> _outgoing;
    private Dictionary<string, HashSet<string>>? _reach;

    public WorkflowDefinition(string key, string name, string? description, string? calendar, JsonObject? inputSchema,
        IReadOnlyList<Activity> activities, IReadOnlyList<Connection> connections)
    {
        Key = key;
        Name = name;
        Description = description;
        Calendar = calendar;
        InputSchema = inputSchema;
        Activities = activities;
        Connections = connections;
        _byId = new Dictionary<string, Activity>(StringComparer.Ordinal);
        foreach (var a in activities) _byId.TryAdd(a.Id, a);
        _outgoing = new Dictionary<(string, string), List<string>>();
        foreach (var c in connections)
        {
            if (!_outgoing.TryGetValue((c.Source.Activity, c.Source.Port), out var list))
                _outgoing[(c.Source.Activity, c.Source.Port)] = list = [];
            list.Add(c.Target.Activity);
        }
    }

    public string Key { get; }
    public string Name { get; }
    public string? Description { get; }
    public string? Calendar { get; }
    public JsonObject? InputSchema { get; }
    public IReadOnlyList<Activity> Activities { get; }
    public IReadOnlyList<Connection> Connections { get; }

    public Activity? Find(string id) => _byId.GetValueOrDefault(id);

    public Activity Get(string id) => _byId.TryGetValue(id, out var a)
        ? a
        : throw new InvalidOperationException($"Activity '{id}' is not part of workflow '{Key}'.");

    public StartActivity? Start => Activities.OfType<StartActivity>().FirstOrDefault();

    /// <summary>Targets of the connections leaving <paramref name="activityId"/> by <paramref name="port"/>, in document order.</summary>
    public IReadOnlyList<string> Targets(string activityId, string port) =>
        _outgoing.TryGetValue((activityId, port), out var list) ? list : [];

    public IEnumerable<string> Successors(string activityId) =>
        Connections.Where(c => c.Source.Activity == activityId).Select(c => c.Target.Activity);

    /// <summary>True when a path of one or more connections leads from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public bool CanReach(string from, string to)
    {
        _reach ??= BuildReach();
        return _reach.TryGetValue(from, out var set) && set.Contains(to);
    }

    private Dictionary<string, HashSet<string>> BuildReach()
    {
        var reach = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var a in Activities)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(Successors(a.Id));
            while (stack.Count > 0)
            {
                var next = stack.Pop();
                if (!seen.Add(next)) continue;
                foreach (var s in Successors(next)) stack.Push(s);
            }
            reach[a.Id] = seen;
        }
        return reach;
    }
}
