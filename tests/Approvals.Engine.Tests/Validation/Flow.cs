using System.Text.Json.Nodes;

namespace Approvals.Engine.Tests.Validation;

/// <summary>Builds small definitions for tests: activities and connections in a few readable lines.</summary>
internal sealed class Flow
{
    private readonly JsonArray _activities = [];
    private readonly JsonArray _connections = [];

    public static Flow Create() => new();

    /// <summary>start → review; Approved → approved (End), Rejected → rejected (End). Valid as it is.</summary>
    public static Flow Simple() => Create()
        .Start("start").Review("review").End("approved", "Approved").End("rejected", "Rejected")
        .Connect("start", "Done", "review")
        .Connect("review", "Approved", "approved")
        .Connect("review", "Rejected", "rejected");

    public Flow Start(string id = "start") => Add(id, "Start");

    public Flow Review(string id, JsonObject? extra = null) =>
        Add(id, "Review", Merge(new JsonObject { ["assignees"] = new JsonObject { ["groups"] = new JsonArray("reviewers") } }, extra));

    public Flow Decision(string id, string condition = "case.data.amount > 1000") =>
        Add(id, "Decision", new JsonObject { ["condition"] = condition });

    public Flow Notify(string id) =>
        Add(id, "Notify", new JsonObject { ["to"] = new JsonObject { ["requester"] = true }, ["template"] = "case-update" });

    public Flow Wait(string id, string duration = "P1D") => Add(id, "Wait", new JsonObject { ["duration"] = duration });

    public Flow End(string id, string outcome = "Approved") => Add(id, "End", new JsonObject { ["outcome"] = outcome });

    public Flow Add(string id, string type, JsonObject? properties = null)
    {
        var o = new JsonObject { ["id"] = id, ["type"] = type };
        foreach (var (k, v) in properties ?? []) o[k] = v?.DeepClone();
        _activities.Add(o);
        return this;
    }

    public Flow Connect(string from, string port, string to, string targetPort = "In")
    {
        _connections.Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = from, ["port"] = port },
            ["target"] = new JsonObject { ["activity"] = to, ["port"] = targetPort },
        });
        return this;
    }

    /// <summary>Adds a raw entry to the connections array, e.g. one the reader cannot read.</summary>
    public Flow RawConnection(JsonNode? node)
    {
        _connections.Add(node);
        return this;
    }

    public JsonObject Build() => new()
    {
        ["key"] = "test-flow",
        ["name"] = "Test flow",
        ["root"] = new JsonObject
        {
            ["type"] = "Flowchart",
            ["activities"] = _activities.DeepClone(),
            ["connections"] = _connections.DeepClone(),
        },
    };

    public string Json => Build().ToJsonString();

    private static JsonObject Merge(JsonObject a, JsonObject? b)
    {
        foreach (var (k, v) in b ?? []) a[k] = v?.DeepClone();
        return a;
    }
}
