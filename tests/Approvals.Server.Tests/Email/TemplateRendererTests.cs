using System.Diagnostics;
using System.Text.Json.Nodes;
using Approvals.Server.Email;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// Runs alone: two tests here time how soon the renderer stops a runaway template, and on a two-core machine the
/// suite's other classes running beside them (servers starting, PostgreSQL) once made a 500 ms deadline take 3.2 s
/// to be noticed. What they time is the renderer, not its neighbours.
/// </summary>
[CollectionDefinition(nameof(TemplateRendererTests), DisableParallelization = true)]
public sealed class TemplateRendererRunsAlone;

/// <summary>The sandbox and the escaping, one row per behaviour a manager or an attacker would notice.</summary>
[Collection(nameof(TemplateRendererTests))]
public sealed class TemplateRendererTests
{
    private static JsonObject Model() => new()
    {
        ["recipient"] = new JsonObject { ["email"] = "a@example.org", ["displayName"] = "Ann <b>A</b>" },
        ["case"] = new JsonObject { ["title"] = "Buy \"chairs\" & <tables>", ["data"] = new JsonObject { ["amount"] = 1200, ["items"] = new JsonArray("x", "y") } },
        ["event"] = new JsonObject(),
    };

    private static RenderedMail Render(string html, string subject = "s", string text = "t") =>
        TemplateRenderer.Render(new TemplateSource("test", subject, html, text), Model());

    public static TheoryData<string, string> HtmlCases => new()
    {
        { "{{ this.case.title }}", "Buy &quot;chairs&quot; &amp; &lt;tables&gt;" },
        { "<b>{{ recipient.displayName }}</b>", "<b>Ann &lt;b&gt;A&lt;/b&gt;</b>" },
        { "{{ html.raw recipient.displayName }}", "Ann <b>A</b>" },
        { "{{ this.case.data.amount }}", "1200" },
        { "{{ for i in this.case.data.items }}[{{ i }}]{{ end }}", "[x][y]" },
        { "{{ recipient.missing }}", "" },
    };

    [Theory]
    [MemberData(nameof(HtmlCases))]
    public void Render_HtmlPart_EscapesValuesUnlessRaw(string template, string expected) => Assert.Equal(expected, Render(template).Html);

    [Fact]
    public void Render_TextAndSubject_AreNotEscaped_AndTheSubjectIsOneLine()
    {
        var mail = Render("", subject: "Re: {{ this.case.title }}\r\nBcc: x@evil.test", text: "{{ this.case.title }}");
        Assert.Equal("Re: Buy \"chairs\" & <tables> Bcc: x@evil.test", mail.Subject);
        Assert.Equal("Buy \"chairs\" & <tables>", mail.Text);
    }

    public static TheoryData<string, string> RefusedCases => new()
    {
        { "{{ include 'secrets' }}", "include" },
        { "{{ object.eval '1 + 1' }}", "" },
        { "{{ object.eval_template '{{ 1 }}' }}", "" },
        { "{{ for i in 1..100000000 }}x{{ end }}", "LoopLimit" },
        { "{{ s = 'x' | string.pad_left 1000000 }}{{ s }}", "" },
        { "{{ func f(x); ret f(x); end; f 1 }}", "" },
    };

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void Render_DangerousOrRunaway_FailsFastWithAClearError(string template, string mention)
    {
        Assert.Throws<TemplateFailed>(() => Render("{{ include 'warm-up' }}"));
        var watch = Stopwatch.StartNew();
        var failed = Assert.Throws<TemplateFailed>(() => Render(template));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        var error = Assert.Single(failed.Errors);
        Assert.Equal("html", error.Field);
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SlowWithinTheLoopLimit_StopsAtTheDeadline()
    {
        var watch = Stopwatch.StartNew();
        var failed = Assert.Throws<TemplateFailed>(() => Render("{{ for i in 1..9999 }}{{ x = '' | string.pad_left 200000 }}{{ end }}"));
        Assert.True(watch.Elapsed < TemplateRenderer.Deadline * 4, $"took {watch.Elapsed}");
        Assert.Contains("was stopped", Assert.Single(failed.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DotNetMembersOfValues_AreNotReachable() =>
        Assert.Equal("", Render("{{ this.case.title.Length }}{{ recipient.GetType }}").Html);

    [Fact]
    public void Render_WhatOnePartAssigns_IsNotSeenByTheNext()
    {
        // Each part renders its own copy of the model: a subject that changes a value, even inside the model, leaves
        // the HTML and text parts the recipient's own values.
        var mail = Render("{{ recipient.email }}|{{ x }}|{{ this.case.data.items | array.size }}",
            subject: "{{ recipient.email = 'evil@example.org'; x = 'set'; this.case.data.items = [] }}s",
            text: "{{ recipient.email }}{{ x }}");
        Assert.Equal("a@example.org||2", mail.Html);
        Assert.Equal("a@example.org", mail.Text);
    }

    [Fact]
    public void Render_OnePreparedTemplate_ForManyRecipients_GivesEachTheirOwn()
    {
        var prepared = TemplateRenderer.Prepare(new TemplateSource("t", "Hi {{ recipient.displayName }}", "<p>{{ recipient.email }}</p>", "{{ recipient.email }}"));
        Assert.Empty(prepared.Errors);
        foreach (var (email, name) in new[] { ("a@example.org", "Ann"), ("b@example.org", "Bob") })
        {
            var model = Model();
            model["recipient"] = new JsonObject { ["email"] = email, ["displayName"] = name };
            var mail = TemplateRenderer.Render(prepared, model);
            Assert.Equal($"Hi {name}", mail.Subject);
            Assert.Equal($"<p>{email}</p>", mail.Html);
            Assert.Equal(email, mail.Text);
        }
    }

    [Fact]
    public void Render_APreparedTemplateThatDoesNotParse_FailsAtEachRender_NamingThePart()
    {
        var prepared = TemplateRenderer.Prepare(new TemplateSource("broken", "s", "{{ if }}", "t"));
        Assert.NotEmpty(prepared.Errors);
        Assert.All(prepared.Errors, e => Assert.Equal("html", e.Field));
        var failed = Assert.Throws<TemplateFailed>(() => TemplateRenderer.Render(prepared, Model()));
        Assert.Equal(prepared.Errors, failed.Errors);
        Assert.Throws<TemplateFailed>(() => TemplateRenderer.Render(prepared, Model()));
    }

    [Fact]
    public void Check_ParseErrors_NameThePartLineAndColumn()
    {
        var errors = TemplateRenderer.Check(new TemplateSource("t", "ok {{ this.case.title }}", "line one\n  {{ if }}", "{{ end"));
        Assert.Contains(errors, e => e.Field == "html" && e.Line == 2 && e.Column >= 3);
        Assert.Contains(errors, e => e.Field == "text" && e.Line == 1);
        Assert.DoesNotContain(errors, e => e.Field == "subject");
    }

    [Fact]
    public void Check_OversizedPart_IsRefused()
    {
        var errors = TemplateRenderer.Check(new TemplateSource("t", "s", new string('x', TemplateRenderer.MaxPartChars + 1), "t"));
        Assert.Equal("html", Assert.Single(errors).Field);
    }

    [Theory]
    [InlineData("task-assigned")]
    [InlineData("task-reminder")]
    [InlineData("task-overdue")]
    [InlineData("task-escalated")]
    [InlineData("changes-requested")]
    [InlineData("case-approved")]
    [InlineData("case-rejected")]
    [InlineData("reply-refused")]
    [InlineData("notification")]
    public void Render_EveryDefault_ParsesAndRendersTheSample(string name)
    {
        var folder = Path.Combine(Infrastructure.ApprovalsAppFactory.WorkflowsFolder, "templates");
        string Read(string part) => File.ReadAllText(Path.Combine(folder, $"{name}.{part}.sbn"));
        var source = new TemplateSource(name, Read("subject").Trim(), Read("html"), Read("text"));
        Assert.Empty(TemplateRenderer.Check(source));
        var model = Features.Templates.PreviewTemplate.Sample("https://approvals.example.org");
        model["event"] = new JsonObject { ["message"] = "Your reply named no decision.", ["link"] = "https://approvals.example.org/email/decide?token=t" };
        var mail = TemplateRenderer.Render(source, model);
        Assert.False(string.IsNullOrWhiteSpace(mail.Subject));
        Assert.Contains("</html>", mail.Html, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(mail.Text));
    }
}
