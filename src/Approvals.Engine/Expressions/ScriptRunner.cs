using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Runtime;

namespace Approvals.Engine.Expressions;

/// <summary>
/// Runs the JavaScript of conditions and assignee expressions in Jint, fenced in: strict mode, no CLR,
/// no string compilation, and limits on statements, memory, recursion, array and string sizes, regular
/// expressions and time. Scripts see plain JSON values only (<c>case</c> and <c>stages</c>), never live host
/// objects. Jint is not an OS security boundary (its THREAT_MODEL.md), so these limits and the size cap are
/// what keeps a script in line.
/// </summary>
/// <remarks>
/// The engine is replayed, so the limit that decides must give the same answer on every machine: that is the
/// statement count. The wall-clock limits (the whole script, and each regular expression match) are a safety
/// net against work done inside one native call; when one trips, the script fails like any other, and a
/// failing script faults the case — it never picks a branch — so a slow machine can only stop a case that a
/// fast one would have routed, never route it differently. Memory is refused before a long string is built:
/// Jint's memory limit is checked between statements, after a native such as <c>repeat</c> has already
/// allocated, so the natives that build strings of a length the script chooses check it first (see
/// <see cref="Guards"/>).
/// </remarks>
public static class ScriptRunner
{
    /// <summary>Wall-clock limit of one evaluation: a safety net, generous, never what normally stops a script.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Wall-clock limit of one regular-expression match (Jint's default is ten seconds).</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    public const int MaxStatements = 50_000;
    public const long MemoryLimitBytes = 16_000_000;
    public const int RecursionLimit = 64;

    /// <summary>Longest string a script may build with <c>repeat</c>, <c>padStart</c>, <c>join</c> and the like.</summary>
    public const int MaxStringLength = 1_000_000;

    /// <summary>Most elements an array may have (an assignee expression may name many people; the stage cap then speaks).</summary>
    public const uint MaxArraySize = 100_000;

    /// <summary>Longest script run at all; the reader refuses longer ones when a definition is saved.</summary>
    public const int MaxScriptLength = 4_000;

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

    /// <summary>
    /// Evaluates a condition, which must return <c>true</c> or <c>false</c>. Anything else (<c>undefined</c> from a
    /// misspelt field, a number, an object) fails the script instead of being taken by JavaScript truthiness:
    /// in vetting, a silent <c>false</c> can mean "skip the security review".
    /// </summary>
    public static bool Condition(string script, ScriptScope scope)
    {
        var value = Run(script, scope);
        if (value.IsBoolean()) return value.AsBoolean();
        var what = value.IsUndefined() ? "undefined (a field that is not set?)" : value.IsNull() ? "null" : "a " + value.Type.ToString().ToLowerInvariant();
        throw new ScriptFailedException($"A condition must return true or false; this one returned {what}.");
    }

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
        if (script.Length > MaxScriptLength)
            throw new ScriptFailedException($"A script may not be longer than {MaxScriptLength} characters.");
        var engine = new Jint.Engine(o =>
        {
            o.Strict()
                .DisableStringCompilation()
                .TimeoutInterval(Timeout)
                .MaxStatements(MaxStatements)
                .LimitMemory(MemoryLimitBytes)
                .LimitRecursion(RecursionLimit);
            o.Constraints.RegexTimeout = RegexTimeout;
            o.Constraints.MaxArraySize = MaxArraySize;
            o.TimeSystem = NoClock.Instance;
        });
        try
        {
            var parser = new JsonParser(engine);
            engine.SetValue("$case", parser.Parse(scope.Case.ToJsonString()));
            engine.SetValue("stages", parser.Parse(scope.Stages.ToJsonString()));
            engine.Execute(GuardScript.Value);
            return engine.Evaluate(Wrap(script));
        }
        catch (Exception ex) when (ex is not ScriptFailedException)
        {
            // This is the sandbox's edge: whatever a user's script makes Jint throw (a JavaScript error, a limit,
            // or an exception of Jint's own such as "module loading has been disabled" for import()) fails the
            // script, and so faults the case. Nothing a script does may escape as a server error.
            throw new ScriptFailedException(Describe(ex), ex);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        StatementsCountOverflowException => $"The script ran more than {MaxStatements} statements (an endless loop?).",
        RegexMatchTimeoutException => $"A regular expression ran longer than {RegexTimeout.TotalMilliseconds:0} ms.",
        TimeoutException => $"The script ran longer than {Timeout.TotalSeconds:0.#} s.",
        MemoryLimitExceededException or OutOfMemoryException => "The script used more memory than it may: " + ex.Message,
        RecursionDepthOverflowException => $"The script recursed deeper than {RecursionLimit} calls.",
        _ => ex.Message,
    };

    /// <summary>
    /// Runs before every script: <c>Math.random</c> goes (evaluation stays deterministic), and the natives
    /// that build a string whose length the script chooses refuse one longer than <see cref="MaxStringLength"/>
    /// before building it. The originals stay in this closure (called through a captured <c>Reflect.apply</c>,
    /// so replacing <c>Function.prototype.call</c> reaches nothing).
    /// </summary>
    internal static readonly string Guards = """
        (function () {
          'use strict';
          const MAX = __MAX__;
          const apply = Reflect.apply, define = Object.defineProperty, isArray = Array.isArray;
          const toStr = String, num = Number, floor = Math.floor, max = Math.max;
          const S = String.prototype, A = Array.prototype;
          const tooLong = function (n) {
            throw new RangeError('A script may not build a string longer than ' + MAX + ' characters (this one would have ' + n + ').');
          };
          const check = function (n) { if (n > MAX) tooLong(n); };
          const wrap = function (target, name, make) {
            const original = target[name];
            define(target, name, { value: make(original), writable: true, configurable: true, enumerable: false });
          };
          wrap(S, 'repeat', function (f) { return function repeat(count) {
            const s = toStr(this); const n = floor(num(count)); if (n > 0 && s.length > 0) check(s.length * n);
            return apply(f, s, [count]); }; });
          const pad = function (f) { return function (length, fill) {
            const s = toStr(this); check(floor(num(length)) || 0); return apply(f, s, [length, fill]); }; };
          wrap(S, 'padStart', pad);
          wrap(S, 'padEnd', pad);
          wrap(S, 'concat', function (f) { return function concat() {
            const s = toStr(this); let n = s.length; const parts = [];
            for (let i = 0; i < arguments.length; i++) { const p = toStr(arguments[i]); n += p.length; check(n); parts.push(p); }
            return apply(f, s, parts); }; });
          wrap(A, 'join', function (f) { return function join(separator) {
            const length = this.length >>> 0; const sep = separator === undefined ? ',' : toStr(separator);
            let n = length > 0 ? (length - 1) * sep.length : 0; check(n);
            for (let i = 0; i < length; i++) { const v = this[i]; if (typeof v === 'string') { n += v.length; check(n); } }
            return apply(f, this, [separator]); }; });
          const replacing = function (f) { return function (pattern, replacement) {
            const s = toStr(this);
            if (typeof replacement === 'function') {
              let n = s.length; const inner = replacement;
              const counted = function () { const r = toStr(apply(inner, undefined, arguments)); n += r.length; check(n); return r; };
              return apply(f, s, [pattern, counted]);
            }
            const r = toStr(replacement);
            // Each match may insert the replacement, and "$&"-style patterns up to the whole string again.
            const each = r.length + (r.indexOf('$') >= 0 ? s.length : 0);
            if (each > 0) check(s.length + (s.length + 1) * each);
            return apply(f, s, [pattern, r]); }; };
          wrap(S, 'replace', replacing);
          wrap(S, 'replaceAll', replacing);
          const J = JSON;
          wrap(J, 'stringify', function (f) { return function stringify(value, replacer, space) {
            let n = 0; const user = typeof replacer === 'function' ? replacer : null;
            const counting = function (key, v) {
              const r = user === null ? v : apply(user, this, [key, v]);
              n += toStr(key).length + 4; if (typeof r === 'string') n += r.length; check(n);
              return r; };
            if (replacer !== undefined && replacer !== null && user === null && isArray(replacer)) {
              // A list of keys: keep only those (on objects, not arrays), still counting what is built.
              const keys = []; const length = replacer.length >>> 0;
              for (let i = 0; i < length; i++) { const k = replacer[i]; if (typeof k === 'string' || typeof k === 'number') keys.push(toStr(k)); }
              const listed = function (key, v) {
                if (key !== '' && !isArray(this) && apply(A.indexOf, keys, [key]) < 0) return undefined;
                return apply(counting, this, [key, v]); };
              return apply(f, J, [value, listed, space]);
            }
            return apply(f, J, [value, counting, space]); }; });
          // Natives that turn many parts into one string (an array of a million references to one long
          // string costs nothing to make) are measured before they build it.
          const sumOf = function (parts) {
            const length = parts.length >>> 0; let n = 0;
            for (let i = 0; i < length; i++) { n += toStr(parts[i]).length; check(n); }
            return n; };
          wrap(String, 'raw', function (f) { return function raw(template) {
            const strings = template === null || template === undefined ? template : template.raw;
            let n = strings === null || strings === undefined ? 0 : sumOf(strings);
            for (let i = 1; i < arguments.length; i++) { n += toStr(arguments[i]).length; check(n); }
            return apply(f, String, arguments); }; });
          const join = A.join;
          wrap(A, 'toLocaleString', function () { return function toLocaleString() { return apply(join, this, [',']); }; });
          const encoding = function (factor) { return function (f) { return function (text) {
            const s = toStr(text); check(s.length * factor); return apply(f, undefined, [s]); }; }; };
          wrap(globalThis, 'encodeURIComponent', encoding(9));
          wrap(globalThis, 'encodeURI', encoding(9));
          if (typeof globalThis.escape === 'function') wrap(globalThis, 'escape', encoding(6));
          const R = RegExp.prototype, symbolReplace = Symbol.replace;
          const regexReplace = R[symbolReplace];
          const guardedReplace = replacing(function (pattern, replacement) { return apply(regexReplace, pattern, [this, replacement]); });
          define(R, symbolReplace, { value: function (text, replacement) { return apply(guardedReplace, toStr(text), [this, replacement]); },
            writable: true, configurable: true, enumerable: false });
          // Shared memory can block a thread (Atomics.wait), and buffers, typed arrays and Intl formatters
          // allocate outside the limits above; a condition needs none of them.
          const banned = ['Atomics', 'SharedArrayBuffer', 'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array',
            'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array',
            'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Intl', 'WeakRef', 'FinalizationRegistry'];
          for (let i = 0; i < banned.length; i++) { try { delete globalThis[banned[i]]; } catch (e) { define(globalThis, banned[i], { value: undefined }); } }
          delete Math.random;
        })();
        """.Replace("__MAX__", MaxStringLength.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static readonly Lazy<Prepared<Acornima.Ast.Script>> GuardScript = new(() => Jint.Engine.PrepareScript(Guards, strict: true));

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
