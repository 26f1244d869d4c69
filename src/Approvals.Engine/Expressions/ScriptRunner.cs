using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Acornima;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Runtime;

namespace Approvals.Engine.Expressions;

/// <summary>
/// Runs the JavaScript of conditions and assignee expressions in Jint, fenced in: strict mode, no CLR,
/// no string compilation, and limits on time, statements, memory and recursion. Scripts see plain JSON
/// values only (<c>case</c> and <c>stages</c>), never live host objects. Jint is not an OS security
/// boundary (its THREAT_MODEL.md), so these limits and the size cap are what keeps a script in line.
/// </summary>
public static class ScriptRunner
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    public const int MaxStatements = 50_000;
    public const long MemoryLimitBytes = 16_000_000;
    public const int RecursionLimit = 64;

    /// <summary>The parse error of a script, or null when it parses.</summary>
    public static string? ParseError(string script)
    {
        try
        {
            Jint.Engine.PrepareScript(Wrap(script), strict: true);
            return null;
        }
        catch (ParseErrorException ex)
        {
            return ex.Error?.Description ?? ex.Message;
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException inner)
        {
            // Jint 4 wraps the parser's error when it prepares a script.
            return inner.Error?.Description ?? inner.Message;
        }
    }

    /// <summary>Evaluates a condition to true or false (JavaScript truthiness).</summary>
    public static bool Condition(string script, ScriptScope scope) => TypeConverter.ToBoolean(Run(script, scope));

    /// <summary>Evaluates an expression that returns an email or an array of emails.</summary>
    public static IReadOnlyList<string> Emails(string script, ScriptScope scope)
    {
        var value = Run(script, scope);
        var result = new List<string>();
        if (value.IsString()) result.Add(value.AsString());
        else if (value.IsArray())
        {
            foreach (var item in value.AsArray())
            {
                if (!item.IsString()) throw new ScriptFailedException("An assignee expression must return an email or an array of emails.");
                result.Add(item.AsString());
            }
        }
        else if (!value.IsNull() && !value.IsUndefined())
            throw new ScriptFailedException("An assignee expression must return an email or an array of emails.");
        return result.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0).Distinct().ToList();
    }

    private static JsValue Run(string script, ScriptScope scope)
    {
        var engine = new Jint.Engine(o =>
        {
            o.Strict()
                .DisableStringCompilation()
                .TimeoutInterval(Timeout)
                .MaxStatements(MaxStatements)
                .LimitMemory(MemoryLimitBytes)
                .LimitRecursion(RecursionLimit);
            o.TimeSystem = NoClock.Instance;
        });
        try
        {
            var parser = new JsonParser(engine);
            engine.SetValue("$case", parser.Parse(scope.Case.ToJsonString()));
            engine.SetValue("stages", parser.Parse(scope.Stages.ToJsonString()));
            // Keep evaluation deterministic: a script may not draw random numbers.
            engine.Execute("delete Math.random;");
            return engine.Evaluate(Wrap(script));
        }
        catch (Exception ex) when (ex is JavaScriptException or ParseErrorException or TimeoutException
                                       or StatementsCountOverflowException or MemoryLimitExceededException
                                       or RecursionDepthOverflowException or ExecutionCanceledException
                                       or JintException)
        {
            throw new ScriptFailedException(ex.Message, ex);
        }
    }

    /// <summary>
    /// A script is one expression, or a function body when it says <c>return</c>. <c>case</c> is a reserved
    /// word in JavaScript, so the <c>case</c> of <c>case.data</c> is renamed before the script runs.
    /// </summary>
    internal static string Wrap(string script)
    {
        var body = RenameCase(script);
        return HasReturn(body)
            ? "(function () {\n" + body + "\n})()"
            : "(function () { return (\n" + body + "\n); })()";
    }

    private static bool HasReturn(string script) => Tokens(script).Any(t => t.Text == "return");

    internal static string RenameCase(string script)
    {
        var sb = new StringBuilder(script.Length + 8);
        var last = 0;
        foreach (var t in Tokens(script))
        {
            if (t.Text != "case") continue;
            var before = t.Start - 1;
            while (before >= 0 && char.IsWhiteSpace(script[before])) before--;
            if (before >= 0 && script[before] == '.' && !(before >= 1 && script[before - 1] == '?')) continue; // x.case
            var after = t.Start + 4;
            while (after < script.Length && char.IsWhiteSpace(script[after])) after++;
            if (after >= script.Length || (script[after] != '.' && script[after] != '[' && script[after] != '?')) continue; // switch label
            sb.Append(script, last, t.Start - last).Append("$case");
            last = t.Start + 4;
        }
        return sb.Append(script, last, script.Length - last).ToString();
    }

    /// <summary>Identifier-like words outside strings, template literals and comments.</summary>
    private static IEnumerable<(int Start, string Text)> Tokens(string s)
    {
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '"' or '\'' or '`')
            {
                i++;
                while (i < s.Length && s[i] != c) i += s[i] == '\\' ? 2 : 1;
                i++;
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n') i++;
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + 2;
            }
            else if (char.IsLetter(c) || c is '_' or '$')
            {
                var start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '$')) i++;
                yield return (start, s[start..i]);
            }
            else i++;
        }
    }
}

/// <summary>
/// Dates still parse and print, but <c>Date.now()</c> and <c>new Date()</c> fail: a condition that read the
/// wall clock would route a replayed case differently, and scripts see only <c>case</c> and <c>stages</c>.
/// </summary>
internal sealed class NoClock() : DefaultTimeSystem(TimeZoneInfo.Utc, CultureInfo.InvariantCulture)
{
    public static readonly NoClock Instance = new();

    public override DateTimeOffset GetUtcNow() =>
        throw new ScriptFailedException("Scripts may not read the clock (Date.now(), new Date()); compare dates from case.data instead.");
}

/// <summary>What a script may see: <c>case</c> (<c>data</c>, <c>requester</c>, <c>title</c>) and <c>stages</c>.</summary>
public sealed record ScriptScope(JsonObject Case, JsonObject Stages);

public sealed class ScriptFailedException(string message, Exception? inner = null) : Exception(message, inner);
