using System.Diagnostics;
using System.Text.Json.Nodes;
using Approvals.Engine.Expressions;

namespace Approvals.Engine.Tests.Expressions;

/// <summary>
/// The fence around scripts: whatever a script does, it ends quickly with a failure (which faults its case)
/// and the process stays small, because a long string is refused before it is built.
/// </summary>
public class ScriptRunnerTests
{
    private static readonly ScriptScope Scope = new(
        new JsonObject { ["data"] = new JsonObject { ["name"] = "Ann" }, ["requester"] = "ann@example.org", ["title"] = "t" },
        new JsonObject());

    /// <summary>Runs a condition that must fail; returns its message after checking time and memory.</summary>
    private static string Fails(string script)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Condition(script, Scope));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"'{script}' took {clock.Elapsed}.");
        var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(used < 100_000_000, $"'{script}' allocated {used / 1_000_000} MB before it failed.");
        return ex.Message;
    }

    [Fact]
    public void Condition_CatastrophicRegex_FailsOnTheRegexTimeout()
    {
        var message = Fails("/(a+)+$/.test('a'.repeat(30) + 'b')");

        Assert.Contains("regular expression", message);
    }

    [Theory]
    [InlineData("'x'.repeat(512 * 1024 * 1024).length > 0")]
    [InlineData("'x'.repeat(4 * 512 * 1024 * 1024).length > 0")]
    [InlineData("'x'.padEnd(300 * 1024 * 1024).length > 0")]
    [InlineData("'x'.padStart(300 * 1024 * 1024, 'ab').length > 0")]
    [InlineData("''.concat('x'.repeat(900000), 'x'.repeat(900000)).length > 0")]
    [InlineData("new Array(50000).fill('x'.repeat(100000)).join('').length > 0")]
    [InlineData("[1, 2].join('x'.repeat(2000000)).length > 0")]
    [InlineData("'x'.repeat(100000).replaceAll('x', 'y'.repeat(100)).length > 0")]
    [InlineData("'x'.repeat(100000).replace(/x/g, '$&$&$&$&$&$&$&$&$&$&$&$&').length > 0")]
    [InlineData("'x'.repeat(100000).replace(/x/g, () => 'y'.repeat(1000)).length > 0")]
    [InlineData("JSON.stringify(new Array(50000).fill('x'.repeat(100000))).length > 0")]
    [InlineData("(() => { let s = 'x'; for (let i = 0; i < 40; i++) s = s + s; return s.length > 0; })()")]
    [InlineData("new Array(1000000000).length > 0")]
    [InlineData("JSON.stringify(Array(100).fill('x'.repeat(1000000)), []).length > 0")]
    [InlineData("JSON.stringify({a: Array(60).fill('x'.repeat(1000000))}, ['a']).length > 0")]
    [InlineData("String.raw({raw: Array(60).fill('x'.repeat(1000000))}).length > 0")]
    [InlineData("Array(50).fill('x'.repeat(1000000)).toLocaleString().length > 0")]
    [InlineData("encodeURIComponent('\u00ff'.repeat(1000000)).length > 0")]
    [InlineData("/x/g[Symbol.replace]('x'.repeat(100000), '$&'.repeat(500)).length > 0")]
    [InlineData("new Intl.ListFormat().format(Array(50).fill('x'.repeat(1000000))).length > 0")]
    [InlineData("new ArrayBuffer(200000000).byteLength > 0")]
    [InlineData("new Float64Array(25000000).length > 0")]
    public void Condition_HugeStringOrArray_RefusedBeforeItIsBuilt(string script)
    {
        Fails(script);
    }

    [Fact]
    public void Condition_HugeRepeat_MessageNamesTheLimit()
    {
        var message = Fails("'x'.repeat(512 * 1024 * 1024).length > 0");

        Assert.Contains(ScriptRunner.MaxStringLength.ToString(System.Globalization.CultureInfo.InvariantCulture), message);
    }

    [Fact]
    public void Condition_EndlessLoop_FailsOnTheStatementCount()
    {
        var message = Fails("(() => { while (true) {} })()");

        Assert.Contains("statements", message);
    }

    [Fact]
    public void Condition_DeepRecursion_Fails()
    {
        Fails("(function f(n) { return f(n + 1); })(0)");
    }

    [Fact]
    public void Condition_ReplacingTheGuardsPlumbing_DoesNotReachTheOriginals()
    {
        Fails("(() => { Function.prototype.call = function () { return 'x'; }; Function.prototype.apply = function () { return 'x'; }; return 'x'.repeat(512 * 1024 * 1024).length > 0; })()");
    }

    [Theory]
    [InlineData("'ab'.repeat(3) === 'ababab'")]
    [InlineData("'7'.padStart(3, '0') === '007' && '7'.padEnd(2) === '7 '")]
    [InlineData("['a', 'b', 1].join('-') === 'a-b-1' && [1, 2].join() === '1,2' && String([1, [2, 3]]) === '1,2,3'")]
    [InlineData("'a-b-c'.replaceAll('-', '+') === 'a+b+c' && 'abc'.replace(/b/, '[$&]') === 'a[b]c' && 'abc'.replace('b', m => m.toUpperCase()) === 'aBc'")]
    [InlineData("'a'.concat('b', 1) === 'ab1'")]
    [InlineData("JSON.stringify({a: [1, 'x']}) === '{\"a\":[1,\"x\"]}' && JSON.stringify({a: 1, b: 2}, ['a']) === '{\"a\":1}' && JSON.stringify({a: 1}, (k, v) => v, 1).length > 0")]
    [InlineData("/^(a+)+$/.test('aaaa') && case.data.name === 'Ann'")]
    [InlineData("typeof Math.random === 'undefined'")]
    [InlineData("typeof Atomics === 'undefined' && typeof SharedArrayBuffer === 'undefined' && typeof Intl === 'undefined'")]
    [InlineData("String.raw`a${1}b` === 'a1b' && encodeURIComponent('a b') === 'a%20b' && [1, 2].toLocaleString() === '1,2'")]
    [InlineData("'abc'.replace(/b/g, '[$&]') === 'a[b]c' && /b/[Symbol.replace]('abc', 'x') === 'axc'")]
    public void Condition_OrdinaryStringWork_StillWorks(string script)
    {
        Assert.True(ScriptRunner.Condition(script, Scope));
    }

    [Fact]
    public void Condition_ScriptLongerThanTheCap_Fails()
    {
        var script = "true || " + string.Join(" || ", Enumerable.Repeat("false", 1_000));

        Assert.Contains("longer than", Assert.Throws<ScriptFailedException>(() => ScriptRunner.Condition(script, Scope)).Message);
    }

    [Theory]
    [InlineData("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000) === 'timed-out'")]
    [InlineData("import('x') && true")]
    [InlineData("(async function () { await import('x'); })() && true")]
    public void Condition_BlockingOrModuleLoading_FailsQuickly(string script)
    {
        Fails(script);
    }

    [Theory]
    [InlineData("case.data.riskScore", "undefined")]
    [InlineData("null", "null")]
    [InlineData("1", "number")]
    [InlineData("({})", "object")]
    [InlineData("'yes'", "string")]
    public void Condition_NotABoolean_FailsInsteadOfTruthiness(string script, string named)
    {
        Assert.Contains(named, Fails(script));
    }
}
