using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Engine.Model;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Json;

/// <summary>
/// Reads the Elsa-shaped JSON of a definition into the model. It never throws on bad content: every
/// fault is collected with its JSON path, and whatever could be read is still returned so that the
/// validator can report the graph's faults in the same pass.
/// </summary>
public sealed partial class DefinitionReader
{
    public const int MaxDefinitionBytes = 1_000_000;
    public const int MaxScriptLength = 4_000;

    private readonly List<ValidationError> _errors = [];

    public static (WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors) Read(string json, string? keyOverride = null)
    {
        if (json.Length > MaxDefinitionBytes)
            return (null, [new ValidationError(ErrorCodes.InvalidValue, $"A definition may not be larger than {MaxDefinitionBytes} characters.", "$")]);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            return (null, [new ValidationError(ErrorCodes.InvalidValue, $"The definition is not valid JSON: {ex.Message}", "$")]);
        }
        return Read(node, keyOverride);
    }

    public static (WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors) Read(JsonNode? node, string? keyOverride = null)
    {
        var reader = new DefinitionReader();
        var def = reader.ReadDefinition(node, keyOverride);
        return (def, reader._errors);
    }

    private void Error(string code, string message, string path, string? activityId = null) =>
        _errors.Add(new ValidationError(code, message, path, activityId));

    private WorkflowDefinition? ReadDefinition(JsonNode? node, string? keyOverride)
    {
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "A definition is a JSON object.", "$");
            return null;
        }
        var key = keyOverride ?? Str(o, "key", "$.key", required: true) ?? "";
        if (keyOverride is null && key.Length > 0 && !Keys.IsValid(key))
            Error(ErrorCodes.InvalidValue, "The key must be lower-case letters, digits and dashes (at most 64), starting with a letter or digit.", "$.key");
        var name = Str(o, "name", "$.name", required: true) ?? key;
        var description = Str(o, "description", "$.description");
        var calendar = Str(o, "calendar", "$.calendar");
        JsonObject? inputSchema = null;
        if (o["inputSchema"] is { } schemaNode)
        {
            if (schemaNode is JsonObject so) inputSchema = so;
            else Error(ErrorCodes.InvalidValue, "inputSchema must be a JSON Schema object.", "$.inputSchema");
        }

        var activities = new List<Activity>();
        var connections = new List<Connection>();
        if (o["root"] is not JsonObject root)
        {
            Error(ErrorCodes.Required, "root is required: {\"type\": \"Flowchart\", \"activities\": [...], \"connections\": [...]}.", "$.root");
        }
        else
        {
            var rootType = Str(root, "type", "$.root.type");
            if (rootType is not null && rootType != "Flowchart")
                Error(ErrorCodes.InvalidValue, $"root.type must be \"Flowchart\", not \"{rootType}\".", "$.root.type");
            if (root["activities"] is JsonArray acts)
            {
                for (var i = 0; i < acts.Count; i++)
                    if (ReadActivity(acts[i], $"$.root.activities[{i}]") is { } a) activities.Add(a);
            }
            else Error(ErrorCodes.Required, "root.activities must be an array.", "$.root.activities");

            if (root["connections"] is JsonArray conns)
            {
                for (var i = 0; i < conns.Count; i++)
                    if (ReadConnection(conns[i], $"$.root.connections[{i}]") is { } c) connections.Add(c);
            }
            else if (root["connections"] is not null)
                Error(ErrorCodes.InvalidValue, "root.connections must be an array.", "$.root.connections");
        }
        return new WorkflowDefinition(key, name, description, calendar, inputSchema, activities, connections);
    }

    private Activity? ReadActivity(JsonNode? node, string path)
    {
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "An activity is a JSON object.", path);
            return null;
        }
        var id = Str(o, "id", path + ".id", required: true);
        if (id is null) return null;
        if (!IdPattern().IsMatch(id))
            Error(ErrorCodes.InvalidValue, $"Activity id '{id}' must start with a letter or digit and hold only letters, digits, '_', '.' or '-' (at most 64).", path + ".id", id);
        var type = Str(o, "type", path + ".type", required: true, activityId: id);
        var name = Str(o, "name", path + ".name", activityId: id);
        switch (type)
        {
            case null: return new UnknownActivity(id, name, "");
            case "Start": return new StartActivity(id, name);
            case "Fork": return new ForkActivity(id, name);
            case "Review": return ReadReview(o, id, name, path);
            case "Decision":
                return new DecisionActivity(id, name, Script(o, "condition", path, id, required: true) ?? "false");
            case "Join":
                return new JoinActivity(id, name, Enum(o, "mode", path, id, JoinMode.All));
            case "Notify":
                var template = Str(o, "template", path + ".template", required: true, activityId: id) ?? "";
                var to = ReadRecipients(o["to"], path + ".to", id, required: true);
                return new NotifyActivity(id, name, to, template, Str(o, "subject", path + ".subject", activityId: id));
            case "Wait":
                var duration = Duration(o, "duration", path, id, required: true) ?? new IsoDuration(0, TimeSpan.FromSeconds(1));
                return new WaitActivity(id, name, duration, Str(o, "calendar", path + ".calendar", activityId: id));
            case "End":
                var outcome = Enum<CaseOutcome>(o, "outcome", path, id, null, required: true);
                return new EndActivity(id, name, outcome ?? CaseOutcome.Rejected);
            default:
                Error(ErrorCodes.UnknownType, $"Activity '{id}' has unknown type '{type}'; known types are Start, Review, Decision, Fork, Join, Notify, Wait and End.", path + ".type", id);
                return new UnknownActivity(id, name, type);
        }
    }

    private ReviewActivity ReadReview(JsonObject o, string id, string? name, string path)
    {
        var assignees = new Assignees([], [], null, false);
        if (o["assignees"] is JsonObject a)
        {
            assignees = new Assignees(
                StrList(a, "users", path + ".assignees.users", id, email: true),
                StrList(a, "groups", path + ".assignees.groups", id),
                Script(a, "expression", path + ".assignees", id),
                Bool(a, "requesterManager", path + ".assignees.requesterManager", id));
            if (assignees.IsEmpty)
                Error(ErrorCodes.NoAssignees, $"Review '{id}' names no assignees: give users, groups, an expression or requesterManager.", path + ".assignees", id);
        }
        else Error(ErrorCodes.Required, $"Review '{id}' needs assignees.", path + ".assignees", id);

        var policy = ReviewPolicy.Default;
        if (o["policy"] is JsonObject p)
        {
            var mode = Enum(p, "mode", path + ".policy", id, PolicyMode.Any);
            int? approvals = null;
            if (p["approvals"] is { } n)
            {
                if (n is JsonValue v && v.TryGetValue<int>(out var k) && k >= 1) approvals = k;
                else Error(ErrorCodes.InvalidValue, "policy.approvals must be a whole number of at least 1.", path + ".policy.approvals", id);
                if (mode != PolicyMode.Quorum)
                    Error(ErrorCodes.InvalidValue, "policy.approvals applies only to the quorum mode.", path + ".policy.approvals", id);
            }
            else if (mode == PolicyMode.Quorum)
                Error(ErrorCodes.Required, $"Review '{id}' uses a quorum: give policy.approvals.", path + ".policy.approvals", id);
            policy = new ReviewPolicy(mode, approvals);
        }
        else if (o["policy"] is not null)
            Error(ErrorCodes.InvalidValue, "policy must be an object such as {\"mode\": \"any\"}.", path + ".policy", id);

        var sla = Duration(o, "sla", path, id);
        var reminders = new List<IsoDuration>();
        if (o["reminders"] is JsonArray rs)
        {
            for (var i = 0; i < rs.Count; i++)
            {
                var text = rs[i] is JsonValue rv && rv.TryGetValue<string>(out var s) ? s : null;
                if (IsoDuration.TryParse(text, out var d)) reminders.Add(d);
                else BadDuration(path + $".reminders[{i}]", id, text);
            }
        }
        else if (o["reminders"] is not null)
            Error(ErrorCodes.InvalidValue, "reminders must be an array of durations.", path + ".reminders", id);

        var escalations = new List<Escalation>();
        if (o["escalations"] is JsonArray es)
        {
            for (var i = 0; i < es.Count; i++)
                if (ReadEscalation(es[i], $"{path}.escalations[{i}]", id) is { } e) escalations.Add(e);
        }
        else if (o["escalations"] is not null)
            Error(ErrorCodes.InvalidValue, "escalations must be an array.", path + ".escalations", id);

        return new ReviewActivity(id, name, assignees, policy, sla, reminders, escalations,
            Str(o, "calendar", path + ".calendar", activityId: id), Str(o, "template", path + ".template", activityId: id));
    }

    private Escalation? ReadEscalation(JsonNode? node, string path, string id)
    {
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "An escalation is an object {\"after\": duration, \"action\": ...}.", path, id);
            return null;
        }
        var after = Duration(o, "after", path, id, required: true);
        var action = Enum<EscalationAction>(o, "action", path, id, null, required: true);
        var to = Recipients.None;
        CaseOutcome? outcome = null;
        switch (action)
        {
            case EscalationAction.Notify:
                to = ReadRecipients(o["to"], path + ".to", id, required: true);
                break;
            case EscalationAction.Reassign or EscalationAction.AddReviewers:
                to = ReadRecipients(o["to"], path + ".to", id, required: true);
                if (to.Users.Count == 0 && to.Groups.Count == 0 && to.Expression is null)
                    Error(ErrorCodes.Required, $"A {o["action"]} escalation needs to.users or to.groups.", path + ".to", id);
                break;
            case EscalationAction.Decide:
                outcome = Enum<CaseOutcome>(o, "outcome", path, id, null, required: true);
                break;
        }
        if (after is null || action is null) return null;
        return new Escalation(after.Value, action.Value, to, outcome, Str(o, "template", path + ".template", activityId: id));
    }

    private Recipients ReadRecipients(JsonNode? node, string path, string id, bool required)
    {
        if (node is null)
        {
            if (required) Error(ErrorCodes.Required, "Say who it is for: {\"users\": [...], \"groups\": [...], \"requester\": true, ...}.", path, id);
            return Recipients.None;
        }
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "Recipients are an object such as {\"users\": [...], \"groups\": [...]}.", path, id);
            return Recipients.None;
        }
        var r = new Recipients(
            StrList(o, "users", path + ".users", id, email: true),
            StrList(o, "groups", path + ".groups", id),
            Bool(o, "requester", path + ".requester", id),
            Bool(o, "requesterManager", path + ".requesterManager", id),
            Bool(o, "assignee", path + ".assignee", id),
            Bool(o, "assigneeManager", path + ".assigneeManager", id),
            Script(o, "expression", path, id));
        if (required && r.IsEmpty) Error(ErrorCodes.Required, "No recipients are named.", path, id);
        return r;
    }

    private Connection? ReadConnection(JsonNode? node, string path)
    {
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "A connection is an object {\"source\": {...}, \"target\": {...}}.", path);
            return null;
        }
        var source = ReadEndpoint(o["source"], path + ".source", defaultPort: null);
        var target = ReadEndpoint(o["target"], path + ".target", defaultPort: Ports.In);
        return source is null || target is null ? null : new Connection(source, target);
    }

    private Endpoint? ReadEndpoint(JsonNode? node, string path, string? defaultPort)
    {
        if (node is not JsonObject o)
        {
            Error(ErrorCodes.Required, "A connection end is an object {\"activity\": id, \"port\": name}.", path);
            return null;
        }
        var activity = Str(o, "activity", path + ".activity", required: true);
        var port = Str(o, "port", path + ".port", required: defaultPort is null) ?? defaultPort;
        return activity is null || port is null ? null : new Endpoint(activity, port);
    }

    private string? Str(JsonObject o, string name, string path, bool required = false, string? activityId = null)
    {
        var node = o[name];
        if (node is null)
        {
            if (required) Error(ErrorCodes.Required, $"{name} is required.", path, activityId);
            return null;
        }
        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            if (required && string.IsNullOrWhiteSpace(s))
            {
                Error(ErrorCodes.Required, $"{name} may not be empty.", path, activityId);
                return null;
            }
            return s;
        }
        Error(ErrorCodes.InvalidValue, $"{name} must be a string.", path, activityId);
        return null;
    }

    private bool Bool(JsonObject o, string name, string path, string id)
    {
        var node = o[name];
        if (node is null) return false;
        if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        Error(ErrorCodes.InvalidValue, $"{name} must be true or false.", path, id);
        return false;
    }

    private List<string> StrList(JsonObject o, string name, string path, string id, bool email = false)
    {
        var list = new List<string>();
        if (o[name] is null) return list;
        if (o[name] is not JsonArray arr)
        {
            Error(ErrorCodes.InvalidValue, $"{name} must be an array of strings.", path, id);
            return list;
        }
        for (var i = 0; i < arr.Count; i++)
        {
            if (arr[i] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s))
            {
                if (email && !s.Contains('@'))
                    Error(ErrorCodes.InvalidValue, $"'{s}' is not an email address.", $"{path}[{i}]", id);
                else list.Add(email ? s.Trim().ToLowerInvariant() : s.Trim());
            }
            else Error(ErrorCodes.InvalidValue, $"{name}[{i}] must be a non-empty string.", $"{path}[{i}]", id);
        }
        return list;
    }

    private string? Script(JsonObject o, string name, string path, string id, bool required = false)
    {
        var script = Str(o, name, path + "." + name, required, id);
        if (script is null) return null;
        if (script.Length > MaxScriptLength)
        {
            Error(ErrorCodes.BadScript, $"A script may not be longer than {MaxScriptLength} characters.", path + "." + name, id);
            return script;
        }
        if (Expressions.ScriptRunner.ParseError(script) is { } problem)
            Error(ErrorCodes.BadScript, $"The JavaScript in {name} does not parse: {problem}", path + "." + name, id);
        return script;
    }

    private IsoDuration? Duration(JsonObject o, string name, string path, string id, bool required = false)
    {
        var text = Str(o, name, path + "." + name, required, id);
        if (text is null) return null;
        if (IsoDuration.TryParse(text, out var d)) return d;
        BadDuration(path + "." + name, id, text);
        return null;
    }

    private void BadDuration(string path, string id, string? text) =>
        Error(ErrorCodes.BadDuration, $"'{text}' is not a positive ISO 8601 duration such as PT4H, P2D or P1DT12H (years and months are not allowed).", path, id);

    private T Enum<T>(JsonObject o, string name, string path, string id, T fallback) where T : struct, System.Enum =>
        Enum<T>(o, name, path, id, (T?)fallback) ?? fallback;

    private T? Enum<T>(JsonObject o, string name, string path, string id, T? fallback, bool required = false) where T : struct, System.Enum
    {
        var text = Str(o, name, path + "." + name, required, id);
        if (text is null) return fallback;
        if (System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)) return value;
        var allowed = string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]));
        Error(ErrorCodes.InvalidValue, $"{name} '{text}' is not one of: {allowed}.", path + "." + name, id);
        return fallback;
    }

    // Digits may lead: Elsa Studio names activities with hexadecimal ids such as "80847eb320f89c72".
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex IdPattern();
}

/// <summary>Stands for an activity whose type is unknown, so its id still resolves while its fault is reported.</summary>
public sealed record UnknownActivity(string Id, string? Name, string TypeName) : Activity(Id, Name)
{
    public override string Type => TypeName;
    public override IReadOnlyList<string> OutPorts { get; } = [];
}
