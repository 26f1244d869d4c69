using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Model;

namespace Approvals.Engine.Validation;

/// <summary>
/// The graph checks over a parsed definition. Field-level faults (types, durations, scripts, missing
/// properties) belong to <see cref="DefinitionReader"/>; this reports what only the whole flowchart
/// shows, every fault at once, and tries to report each mistake once rather than again downstream.
/// </summary>
public sealed class DefinitionValidator
{
    private readonly WorkflowDefinition _def;
    private readonly FlowGraph _graph;
    private readonly SourceIndex _source;
    // Connections name activities by id, so for a duplicated id only its first activity takes part in the graph.
    private readonly Dictionary<string, int> _first = new(StringComparer.Ordinal);
    // Every port named by a connection and every activity a connection names as target, broken or not:
    // a port connected to a missing activity is reported as missing-activity, not as unconnected too.
    private readonly HashSet<(string Activity, string Port)> _namedPorts = [];
    private readonly HashSet<string> _named = new(StringComparer.Ordinal);
    private readonly List<ValidationError> _errors = [];

    private DefinitionValidator(WorkflowDefinition definition, JsonNode? source)
    {
        _def = definition;
        _graph = new FlowGraph(definition);
        _source = new SourceIndex(definition, source);
        for (var i = 0; i < definition.Activities.Count; i++) _first.TryAdd(definition.Activities[i].Id, i);
        foreach (var c in definition.Connections)
        {
            _namedPorts.Add((c.Source.Activity, c.Source.Port));
            _named.Add(c.Target.Activity);
        }
    }

    /// <summary>
    /// Every graph fault of <paramref name="definition"/>. Pass the JSON it was read from as
    /// <paramref name="source"/> so that paths count the entries the reader had to skip.
    /// </summary>
    public static IReadOnlyList<ValidationError> Validate(WorkflowDefinition definition, JsonNode? source = null)
    {
        var v = new DefinitionValidator(definition, source);
        v.CheckIds();
        v.CheckStartCount();
        v.CheckConnections();
        v.CheckPortsConnected();
        v.CheckQuorums();
        var reached = v.CheckReachable();
        v.CheckEnding(reached);
        return v._errors;
    }

    /// <summary>The ports that must lead somewhere. A Review's ChangesRequested may stay open: the case then goes back to the requester and, on resubmit, restarts that stage.</summary>
    public static IReadOnlyList<string> RequiredPorts(Activity activity) => activity switch
    {
        ReviewActivity => [Ports.Approved, Ports.Rejected],
        UnknownActivity or EndActivity => [],
        _ => activity.OutPorts,
    };

    /// <summary>Activities that never wait for a person or a timer: a cycle made only of these spins forever.</summary>
    public static bool IsNonBlocking(Activity activity) =>
        activity is StartActivity or DecisionActivity or ForkActivity or JoinActivity or NotifyActivity;

    private IEnumerable<(Activity Activity, int Index)> Primary() =>
        _def.Activities.Select((a, i) => (a, i)).Where(x => _first[x.a.Id] == x.i);

    private void CheckIds()
    {
        for (var i = 0; i < _def.Activities.Count; i++)
        {
            var a = _def.Activities[i];
            var first = _first[a.Id];
            if (first != i)
                Error(ErrorCodes.DuplicateId, $"Activity id '{a.Id}' is already used by {_source.ActivityPath(first)[2..]}; ids must be unique because connections name activities by id.",
                    _source.ActivityPath(i) + ".id", a.Id);
        }
    }

    private void CheckStartCount()
    {
        var starts = _def.Activities.Select((a, i) => (a, i)).Where(x => x.a is StartActivity).ToList();
        if (starts.Count == 0)
            Error(ErrorCodes.StartCount, "The workflow has no Start activity; add exactly one {\"type\": \"Start\"} where cases begin.", "$.root.activities");
        var ids = string.Join(", ", starts.Select(s => $"'{s.a.Id}'"));
        foreach (var (a, i) in starts.Skip(1))
            Error(ErrorCodes.StartCount, $"There are {starts.Count} Start activities ({ids}); a workflow has exactly one.", _source.ActivityPath(i), a.Id);
    }

    private void CheckConnections()
    {
        var taken = new Dictionary<(string, string), string>();
        var forkBranches = new HashSet<(string, string)>();
        for (var i = 0; i < _def.Connections.Count; i++)
        {
            var c = _def.Connections[i];
            var path = _source.ConnectionPath(i);
            var source = _def.Find(c.Source.Activity);
            var target = _def.Find(c.Target.Activity);
            if (source is null)
                Error(ErrorCodes.MissingActivity, $"This connection leaves from '{c.Source.Activity}', which is not an activity of this workflow.", path + ".source.activity");
            if (target is null)
                Error(ErrorCodes.MissingActivity, $"This connection leads to '{c.Target.Activity}', which is not an activity of this workflow.", path + ".target.activity", source?.Id);
            if (c.Target.Port != Ports.In)
                Error(ErrorCodes.UnknownPort, $"A connection must arrive at port 'In' (every activity has exactly one in port), not '{c.Target.Port}'.", path + ".target.port", target?.Id);
            if (source is null or UnknownActivity) continue;
            if (!source.OutPorts.Contains(c.Source.Port))
            {
                Error(ErrorCodes.UnknownPort, UnknownSourcePort(source, c.Source.Port), path + ".source.port", source.Id);
                continue;
            }
            // The same branch twice would run its activities twice over (and doubled again after every Fork).
            if (source is ForkActivity && !forkBranches.Add((source.Id, c.Target.Activity)))
                Error(ErrorCodes.PortMultiple, $"{Label(source)} already has a branch to '{c.Target.Activity}'; each branch is one connection.",
                    path + ".target.activity", source.Id);
            // Only a Fork starts parallel branches; on any other port a second connection would be ambiguous.
            if (source is not ForkActivity && !taken.TryAdd((source.Id, c.Source.Port), path))
                Error(ErrorCodes.PortMultiple, $"Port {c.Source.Port} of {Label(source)} is already connected by {taken[(source.Id, c.Source.Port)][2..]}; only a Fork may start several branches.",
                    path + ".source.port", source.Id);
        }
    }

    private static string UnknownSourcePort(Activity source, string port) => source switch
    {
        EndActivity => $"{Label(source)} closes the case and has no out ports; remove the connection leaving it.",
        _ => $"{Label(source)} has no out port '{port}'; its out ports are {string.Join(", ", source.OutPorts)}.",
    };

    private void CheckPortsConnected()
    {
        foreach (var (a, i) in Primary())
        {
            foreach (var port in RequiredPorts(a).Where(p => !_namedPorts.Contains((a.Id, p))))
            {
                var hint = a is ReviewActivity ? " (only ChangesRequested may stay unconnected)" : "";
                Error(ErrorCodes.PortUnconnected, $"Port {port} of {Label(a)} is not connected{hint}: say where the case goes next.", _source.ActivityPath(i), a.Id);
            }
        }
    }

    private void CheckQuorums()
    {
        foreach (var (a, i) in Primary())
        {
            // With groups, an expression or the requester's manager, the number of reviewers is only known at run time.
            if (a is not ReviewActivity { Policy: { Mode: PolicyMode.Quorum, Approvals: { } needed }, Assignees: var who }
                || who.Groups.Count > 0 || who.Expression is not null || who.RequesterManager || who.Users.Count == 0)
                continue;
            var users = who.Users.Distinct(StringComparer.OrdinalIgnoreCase).Count();
            if (needed > users)
                Error(ErrorCodes.QuorumTooLarge, $"{Label(a)} needs {needed} approvals but names only {users} reviewer{(users == 1 ? "" : "s")}, so it could never be approved.",
                    _source.ActivityPath(i) + ".policy.approvals", a.Id);
        }
    }

    /// <summary>Reports what no case can reach and returns what it can (everything when there is no Start to start from).</summary>
    private HashSet<string> CheckReachable()
    {
        var starts = Primary().Where(x => x.Activity is StartActivity).Select(x => x.Activity.Id).ToList();
        if (starts.Count == 0) return _graph.Nodes.ToHashSet(StringComparer.Ordinal);
        var reached = _graph.Forward(starts);
        foreach (var (a, i) in Primary().Where(x => !reached.Contains(x.Activity.Id)))
        {
            var why = _named.Contains(a.Id)
                ? "no path from Start leads to it"
                : "no connection leads to it";
            Error(ErrorCodes.Unreachable, $"{Label(a)} can never be reached: {why}.", _source.ActivityPath(i), a.Id);
        }
        return reached;
    }

    private void CheckEnding(HashSet<string> reached)
    {
        var loops = _graph.Cycles(id => IsNonBlocking(_def.Get(id)));
        foreach (var loop in loops)
        {
            var first = _def.Get(loop[0]);
            Error(ErrorCodes.CannotEnd, $"{Label(first)} is in a loop ({List(loop)}) with no Review or Wait in it: a case would go round it forever.",
                _source.ActivityPath(_first[first.Id]), first.Id);
        }

        var ends = Primary().Where(x => x.Activity is EndActivity).Select(x => x.Activity.Id).ToList();
        if (ends.Count == 0)
        {
            // Without an End every activity would be a dead end; one error says it better.
            Error(ErrorCodes.NoEnd, "The workflow has no End activity, so no case could ever finish; add an End with outcome Approved or Rejected.", "$.root.activities");
            return;
        }
        ReportTraps(reached, ends, loops.SelectMany(l => l).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// Among the reached activities that cannot reach an End, those explained by a fault already
    /// reported (a required port leading nowhere, an unknown type, a busy loop) are left alone; the
    /// rest are traps where every port is connected yet the paths go round forever. Each trap is
    /// reported once, at the activity where cases enter it.
    /// </summary>
    private void ReportTraps(HashSet<string> reached, List<string> ends, HashSet<string> inLoops)
    {
        var canEnd = _graph.Backward(ends);
        var dead = reached.Where(id => !canEnd.Contains(id)).ToHashSet(StringComparer.Ordinal);
        var sinks = dead.Where(id => inLoops.Contains(id) || LeadsNowhere(_def.Get(id)));
        var explained = _graph.Backward(sinks, dead.Contains);
        var trapped = dead.Where(id => !explained.Contains(id)).ToHashSet(StringComparer.Ordinal);
        if (trapped.Count == 0) return;

        var entries = _graph.Nodes.Where(id => trapped.Contains(id)
            && (_def.Get(id) is StartActivity || _graph.Previous(id).Any(p => reached.Contains(p) && !trapped.Contains(p)))).ToList();
        if (entries.Count == 0) entries = _graph.Nodes.Where(trapped.Contains).ToList();
        foreach (var id in entries)
        {
            var region = _graph.Forward([id], trapped.Contains);
            var a = _def.Get(id);
            var where = region.Count == 1 ? "it only leads back to itself" : $"every path from it stays among {List(_graph.Nodes.Where(region.Contains))}";
            Error(ErrorCodes.CannotEnd, $"No End can be reached from {Label(a)}: {where}.", _source.ActivityPath(_first[id]), id);
        }
    }

    private bool LeadsNowhere(Activity a) =>
        a is UnknownActivity || RequiredPorts(a).Any(p => !_graph.Leads(a.Id, p));

    private static string Label(Activity a) => a.Type.Length > 0 ? $"{a.Type} '{a.Id}'" : $"activity '{a.Id}'";

    private static string List(IEnumerable<string> ids)
    {
        var all = ids.ToList();
        var shown = string.Join(", ", all.Take(6).Select(id => $"'{id}'"));
        return all.Count > 6 ? $"{shown} and {all.Count - 6} more" : shown;
    }

    private void Error(string code, string message, string path, string? activityId = null) =>
        _errors.Add(new ValidationError(code, message, path, activityId));

    /// <summary>
    /// Maps the model's lists back to the JSON arrays. The reader drops entries it cannot read at all
    /// (no id, no endpoints), so the n-th model item may be a later JSON item; the model is a
    /// subsequence of the JSON, so matching in order finds each one.
    /// </summary>
    private sealed class SourceIndex
    {
        private readonly int[] _activities;
        private readonly int[] _connections;

        public SourceIndex(WorkflowDefinition definition, JsonNode? source)
        {
            var root = (source as JsonObject)?["root"] as JsonObject;
            _activities = Match(definition.Activities, root?["activities"] as JsonArray,
                (node, a) => Text(node, "id") == a.Id);
            _connections = Match(definition.Connections, root?["connections"] as JsonArray,
                (node, c) => node is JsonObject o
                    && Text(o["source"], "activity") == c.Source.Activity
                    && Text(o["source"], "port") == c.Source.Port
                    && Text(o["target"], "activity") == c.Target.Activity);
        }

        public string ActivityPath(int index) => $"$.root.activities[{_activities[index]}]";

        public string ConnectionPath(int index) => $"$.root.connections[{_connections[index]}]";

        private static int[] Match<T>(IReadOnlyList<T> items, JsonArray? json, Func<JsonNode?, T, bool> same)
        {
            var map = new int[items.Count];
            var j = 0;
            for (var i = 0; i < items.Count; i++)
            {
                while (json is not null && j < json.Count && !same(json[j], items[i])) j++;
                map[i] = json is not null && j < json.Count ? j++ : i;
            }
            return map;
        }

        private static string? Text(JsonNode? node, string name) =>
            node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }
}
