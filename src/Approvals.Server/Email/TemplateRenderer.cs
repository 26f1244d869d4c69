using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scriban;
using Scriban.Functions;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Approvals.Server.Email;

/// <summary>The Scriban source of one email: a plain-text subject, an HTML part and a plain-text part.</summary>
public sealed record TemplateSource(string Name, string Subject, string Html, string Text);

/// <summary>A template's three parts parsed (subject, html, text), or the errors that kept them from parsing.</summary>
public sealed record PreparedTemplate(string Name, IReadOnlyList<Template?> Parts, IReadOnlyList<TemplateError> Errors);

/// <summary>One email as rendered for one recipient.</summary>
public sealed record RenderedMail(string Subject, string Html, string Text);

/// <summary>A fault in one part of a template (<c>subject</c>, <c>html</c> or <c>text</c>), 1-based line and column.</summary>
public sealed record TemplateError(string Field, int Line, int Column, string Message);

/// <summary>A template that does not parse or does not render; nothing was sent or saved because of it.</summary>
public sealed class TemplateFailed(string template, IReadOnlyList<TemplateError> errors)
    : Exception($"Template '{template}': " + string.Join("; ", errors.Select(e => $"{e.Field} {e.Line}:{e.Column} {e.Message}")))
{
    public IReadOnlyList<TemplateError> Errors { get; } = errors;
}

/// <summary>
/// Renders templates written by managers. Scriban's runtime is not a process sandbox (SECURITY.md), so every render
/// gets a fresh context that sees plain values only (the model is copied into <see cref="ScriptObject"/>s and
/// <see cref="ScriptArray"/>s from JSON; no .NET member is reachable), has no template loader, lacks the builtins
/// that evaluate text as a template or read other templates, and is bounded in loop iterations, recursion, string
/// and output size and time. The HTML part HTML-escapes every value it writes; <c>{{ html.raw x }}</c> writes
/// <c>x</c> unescaped (the default templates never do).
/// </summary>
public static class TemplateRenderer
{
    /// <summary>Characters per part: a template larger than this is refused when saved and when rendered.</summary>
    public const int MaxPartChars = 64 * 1024;

    /// <summary>Characters a part may render to.</summary>
    public const int MaxOutputChars = 256 * 1024;

    /// <summary>Iterations of all loops of one render together.</summary>
    public const int LoopLimit = 10_000;

    public const int RecursiveLimit = 20;

    /// <summary>Wall time one part may take to render.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(500);

    private static readonly string[] Fields = ["subject", "html", "text"];

    /// <summary>Every parse error of every part (empty when the template is good).</summary>
    public static IReadOnlyList<TemplateError> Check(TemplateSource source) => Prepare(source).Errors;

    /// <summary>Renders all three parts for <paramref name="model"/>; throws <see cref="TemplateFailed"/> naming the part, line and column.</summary>
    public static RenderedMail Render(TemplateSource source, JsonObject model) => Render(Prepare(source), model);

    /// <summary>
    /// Parses the three parts once for many renders (a dispatcher round renders one template for each of its
    /// messages); a template that does not parse is kept with its errors, which <see cref="Render(PreparedTemplate, JsonObject)"/> throws.
    /// </summary>
    public static PreparedTemplate Prepare(TemplateSource source)
    {
        var errors = new List<TemplateError>();
        var parts = new Template?[Fields.Length];
        for (var i = 0; i < Fields.Length; i++) parts[i] = Parse(Fields[i], Part(source, Fields[i]), errors);
        return new PreparedTemplate(source.Name, parts, errors);
    }

    /// <summary>Renders a prepared template for <paramref name="model"/>; throws <see cref="TemplateFailed"/> naming the part, line and column.</summary>
    public static RenderedMail Render(PreparedTemplate template, JsonObject model)
    {
        if (template.Errors.Count > 0) throw new TemplateFailed(template.Name, template.Errors);
        // The model is converted from JSON once; each part but the last renders a copy of it, so that what one part's
        // code assigns (even inside the model) is not seen by the next, as when each part converted its own.
        var script = ToScript(model);
        using var deadline = new CancellationTokenSource();
        var output = new string[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
            output[i] = RenderPart(template.Name, Fields[i], template.Parts[i]!, i < Fields.Length - 1 ? Copy(script) : script, deadline);
        return new RenderedMail(OneLine(output[0]), output[1], output[2]);
    }

    private static string Part(TemplateSource s, string field) => field switch { "subject" => s.Subject, "html" => s.Html, _ => s.Text };

    /// <summary>
    /// Source characters the parsed-template cache holds at most (the built-in templates are a few thousand): bounded
    /// by size, not count, so previews of large unsaved sources cannot make it hold hundreds of megabytes.
    /// </summary>
    private const int MaxParsedChars = 512 * 1024;

    /// <summary>Parsed templates by part and text (a parsed template is only read by a render, so it is shared).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Field, string Text), Template> Parsed = new();

    private static int _parsedChars;

    private static Template? Parse(string field, string text, List<TemplateError> errors)
    {
        if (text.Length > MaxPartChars)
        {
            errors.Add(new TemplateError(field, 1, 1, $"The {field} part is {text.Length} characters long; at most {MaxPartChars} are allowed."));
            return null;
        }
        if (Parsed.TryGetValue((field, text), out var known)) return known;
        var template = Template.Parse(text, sourceFilePath: field, parserOptions: new ParserOptions { ExpressionDepthLimit = 64 });
        if (!template.HasErrors)
        {
            // The same few templates render for every message: parsed once. Emptied when full.
            lock (Parsed)
            {
                if (_parsedChars + text.Length > MaxParsedChars)
                {
                    Parsed.Clear();
                    _parsedChars = 0;
                }
                if (Parsed.TryAdd((field, text), template)) _parsedChars += text.Length;
            }
            return template;
        }
        foreach (var m in template.Messages.Where(m => m.Type == ParserMessageType.Error))
            errors.Add(new TemplateError(field, m.Span.Start.Line + 1, m.Span.Start.Column + 1, m.Message));
        return null;
    }

    private static string RenderPart(string name, string field, Template template, ScriptObject model, CancellationTokenSource deadline)
    {
        deadline.CancelAfter(Deadline); // the same timer, set again for each part
        var context = field == "html" ? new HtmlContext(SharedBuiltins) : new TemplateContext(SharedBuiltins);
        context.LoopLimit = LoopLimit;
        context.LoopLimitQueryable = LoopLimit;
        context.RecursiveLimit = RecursiveLimit;
        context.ObjectRecursionLimit = RecursiveLimit;
        context.LimitToString = MaxOutputChars;
        context.OutputLimit = MaxOutputChars;
        context.OnOutputLimit = ScriptLimitBehavior.Throw;
        context.RegexTimeOut = TimeSpan.FromMilliseconds(100);
        context.StrictVariables = false;
        context.EnableRelaxedMemberAccess = true;
        context.TemplateLoader = null;
        context.MemberFilter = _ => false; // no .NET member of any object is visible
        context.CancellationToken = deadline.Token;
        context.PushGlobal(model);
        try
        {
            return template.Render(context);
        }
        catch (ScriptAbortException)
        {
            throw new TemplateFailed(name, [new TemplateError(field, 1, 1, $"Rendering took longer than {Deadline.TotalMilliseconds:0} ms and was stopped.")]);
        }
        catch (ScriptRuntimeException e)
        {
            var message = deadline.IsCancellationRequested
                ? $"Rendering took longer than {Deadline.TotalMilliseconds:0} ms and was stopped."
                : e.OriginalMessage;
            throw new TemplateFailed(name, [new TemplateError(field, e.Span.Start.Line + 1, e.Span.Start.Column + 1, message)]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or InvalidCastException)
        {
            throw new TemplateFailed(name, [new TemplateError(field, 1, 1, e.Message)]);
        }
    }

    /// <summary>
    /// The builtins, built once and read-only all the way down: building them per render cost Scriban's reflection and
    /// the JIT's work on every part of every message (the dispatcher sent about 20 messages a second, issue 9), and
    /// being read-only, no template can change what another template (or a later render) sees.
    /// </summary>
    private static readonly ScriptObject SharedBuiltins = Freeze(Builtins(), new HashSet<ScriptObject>(ReferenceEqualityComparer.Instance));

    private static ScriptObject Freeze(ScriptObject o, HashSet<ScriptObject> seen)
    {
        if (!seen.Add(o)) return o;
        foreach (var value in o.Values)
            if (value is ScriptObject child) Freeze(child, seen);
        o.IsReadOnly = true;
        return o;
    }

    /// <summary>The default builtins minus what evaluates text as a template or loads templates or JSON.</summary>
    private static ScriptObject Builtins()
    {
        var builtins = new BuiltinFunctions();
        builtins.Remove("include");
        builtins.Remove("include_join");
        builtins.Remove("import");
        if (builtins["object"] is ScriptObject o)
        {
            var copy = new ScriptObject();
            foreach (var (key, value) in o)
                if (key is not ("eval" or "eval_template" or "from_json")) copy[key] = value;
            builtins.Remove("object");
            builtins.SetValue("object", copy, readOnly: true);
        }
        var html = new ScriptObject();
        if (builtins["html"] is ScriptObject h)
            foreach (var (key, value) in h) html[key] = value;
        html.Import("raw", new Func<object?, RawHtml>(v => new RawHtml(v?.ToString() ?? "")));
        builtins.Remove("html");
        builtins.SetValue("html", html, readOnly: true);
        return builtins;
    }

    /// <summary>A subject is one line: a newline in it would start a new header.</summary>
    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Copies JSON into Scriban's own containers: plain values only.</summary>
    internal static object? ToScript(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.Aggregate(new ScriptObject(), (s, kv) => { s[kv.Key] = ToScript(kv.Value); return s; }),
        JsonArray a => new ScriptArray(a.Select(ToScript)),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => Number(v.ToJsonString()),
            _ => v.ToJsonString(),
        },
        _ => null,
    };

    private static object Number(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l)
            ? l
            : double.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static ScriptObject ToScript(JsonObject model) => (ScriptObject)ToScript((JsonNode)model)!;

    /// <summary>A deep copy of a converted model: its objects and arrays new, its plain values shared (they are immutable).</summary>
    private static ScriptObject Copy(ScriptObject o)
    {
        var copy = new ScriptObject(o.Count);
        foreach (var (key, value) in o) copy[key] = Copy(value);
        return copy;
    }

    private static object? Copy(object? value) => value switch
    {
        ScriptObject o => Copy(o),
        ScriptArray a => new ScriptArray(a.Select(Copy)),
        _ => value,
    };

    /// <summary>Text the HTML part writes unescaped, made only by <c>html.raw</c>.</summary>
    private sealed record RawHtml(string Value)
    {
        public override string ToString() => Value;
    }

    /// <summary>Escapes every value a code block writes; literal template text is written as it is.</summary>
    private sealed class HtmlContext(ScriptObject builtins) : TemplateContext(builtins)
    {
        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            if (textAsObject is RawHtml raw) return base.Write(span, raw.Value);
            if (textAsObject is null) return this;
            return base.Write(span, WebUtility.HtmlEncode(ObjectToString(textAsObject)));
        }
    }
}
