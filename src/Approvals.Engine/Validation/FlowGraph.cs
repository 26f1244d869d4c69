using Approvals.Engine.Json;
using Approvals.Engine.Model;

namespace Approvals.Engine.Validation;

/// <summary>
/// The connections a case can actually travel: both ends exist and the source port is one the source
/// really has. Broken connections are reported on their own, so leaving them out here keeps one
/// mistake from being reported again as unreachable or dead-end activities downstream.
/// Every walk is iterative: a definition may hold thousands of activities and must not overflow the stack.
/// </summary>
internal sealed class FlowGraph
{
    private readonly Dictionary<string, List<string>> _next = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _previous = new(StringComparer.Ordinal);
    private readonly HashSet<(string Activity, string Port)> _usedPorts = [];

    public FlowGraph(WorkflowDefinition definition)
    {
        Nodes = definition.Activities.Select(a => a.Id).Distinct(StringComparer.Ordinal).ToList();
        foreach (var c in definition.Connections)
        {
            if (!Travels(definition, c)) continue;
            Add(_next, c.Source.Activity, c.Target.Activity);
            Add(_previous, c.Target.Activity, c.Source.Activity);
            _usedPorts.Add((c.Source.Activity, c.Source.Port));
        }
    }

    /// <summary>Activity ids in document order, each once.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>
    /// An activity of unknown type is followed through all its connections: its type is already
    /// reported, and guessing that its ports are wrong would only add noise.
    /// </summary>
    public static bool Travels(WorkflowDefinition definition, Connection c) =>
        definition.Find(c.Source.Activity) is { } source
        && definition.Find(c.Target.Activity) is not null
        && (source is UnknownActivity || source.OutPorts.Contains(c.Source.Port));

    public IReadOnlyList<string> Next(string id) => _next.TryGetValue(id, out var l) ? l : [];

    public IReadOnlyList<string> Previous(string id) => _previous.TryGetValue(id, out var l) ? l : [];

    /// <summary>True when at least one travelable connection leaves <paramref name="id"/> by <paramref name="port"/>.</summary>
    public bool Leads(string id, string port) => _usedPorts.Contains((id, port));

    /// <summary>The seeds and everything reachable from them, staying inside <paramref name="within"/> when given.</summary>
    public HashSet<string> Forward(IEnumerable<string> seeds, Func<string, bool>? within = null) => Walk(seeds, Next, within);

    /// <summary>The seeds and everything from which a seed can be reached.</summary>
    public HashSet<string> Backward(IEnumerable<string> seeds, Func<string, bool>? within = null) => Walk(seeds, Previous, within);

    private static HashSet<string> Walk(IEnumerable<string> seeds, Func<string, IReadOnlyList<string>> step, Func<string, bool>? within)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(seeds);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (within is not null && !within(id) || !seen.Add(id)) continue;
            foreach (var n in step(id)) stack.Push(n);
        }
        return seen;
    }

    /// <summary>
    /// The cycles among the nodes inside <paramref name="within"/>: the strongly connected components
    /// (Tarjan) that hold more than one node or a node connected to itself. Members in document order.
    /// </summary>
    public List<List<string>> Cycles(Func<string, bool> within)
    {
        var order = Nodes.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var cycles = new List<List<string>>();
        var counter = 0;

        void Enter(string v, Stack<(string Node, int Edge)> work)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            work.Push((v, 0));
        }

        foreach (var root in Nodes.Where(n => within(n) && !index.ContainsKey(n)))
        {
            var work = new Stack<(string Node, int Edge)>();
            Enter(root, work);
            while (work.Count > 0)
            {
                var (v, e) = work.Pop();
                var next = Next(v);
                if (e < next.Count)
                {
                    work.Push((v, e + 1));
                    var w = next[e];
                    if (!within(w)) continue;
                    if (!index.TryGetValue(w, out var wIndex)) Enter(w, work);
                    else if (onStack.Contains(w)) low[v] = Math.Min(low[v], wIndex);
                    continue;
                }
                if (low[v] == index[v])
                {
                    var component = new List<string>();
                    string m;
                    do
                    {
                        m = stack.Pop();
                        onStack.Remove(m);
                        component.Add(m);
                    } while (m != v);
                    if (component.Count > 1 || next.Contains(v))
                        cycles.Add(component.OrderBy(id => order[id]).ToList());
                }
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }
            }
        }
        return cycles.OrderBy(c => order[c[0]]).ToList();
    }

    private static void Add(Dictionary<string, List<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(value);
    }
}
