using Approvals.Engine.Runtime;
using Approvals.Server.Email;

namespace Approvals.Server.Tests.Email;

/// <summary>Real reply shapes: the first own line decides, the rest minus quotes and signatures is the comment.</summary>
public sealed class ReplyParserTests
{
    public static TheoryData<string, string, Decision?, string?> PlainReplies => new()
    {
        {
            "Outlook desktop",
            "Approved — checked the documents\r\n\r\n________________________________\r\nFrom: Approvals <approvals@example.org>\r\nSent: Monday, November 30, 2026 10:00 AM\r\nTo: Ines Intake <intake.officer1@example.org>\r\nSubject: Task: Identity and documents\r\n\r\nPlease approve or reject.\r\nApprove\r\n",
            Decision.Approve, "checked the documents"
        },
        {
            "Outlook classic with Original Message",
            "Reject. The passport scan is unreadable.\r\n\r\n-----Original Message-----\r\nFrom: Approvals [mailto:approvals@example.org]\r\nSent: Monday, November 30, 2026 10:00\r\nSubject: Approve?\r\n",
            Decision.Reject, "The passport scan is unreadable."
        },
        {
            "Outlook mobile",
            "Approve\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\nFrom: Approvals <approvals@example.org>\nSent: Monday, November 30, 2026 10:00:00 AM\nSubject: Task\n\nReject\n",
            Decision.Approve, null
        },
        {
            "Gmail web",
            "yes, looks complete\n\nOn Mon, Nov 30, 2026 at 10:00 AM Approvals <approvals@example.org> wrote:\n\n> A task is waiting for you.\n> Reply Approve or Reject.\n",
            Decision.Approve, "looks complete"
        },
        {
            "Gmail mobile with a wrapped header",
            "Request changes: the address history is missing 2019.\nPlease ask the candidate.\n\nOn Mon, 30 Nov 2026, 10:00 Approvals, <approvals@example.org>\nwrote:\n\n> Approve or reject\n",
            Decision.RequestChanges, "the address history is missing 2019.\nPlease ask the candidate."
        },
        {
            "Apple Mail",
            "Declined\n\n> On 30 Nov 2026, at 10:00, Approvals <approvals@example.org> wrote:\n> \n> Approve\n",
            Decision.Reject, null
        },
        {
            "Thunderbird bottom-posted",
            "On 30/11/2026 10:00, Approvals wrote:\n> A task is waiting for you.\n> Approve?\n\nApproved, all fine.\n\n-- \nInes Intake\nIntake office\n",
            Decision.Approve, "all fine."
        },
        {
            "Sent from my iPhone",
            "OK!\n\nSent from my iPhone\n\n> On Nov 30, 2026, at 10:00 AM, Approvals <approvals@example.org> wrote:\n",
            Decision.Approve, null
        },
        {
            "French quote header",
            "Rejeter? Non: reject, pièce manquante\n\nLe lun. 30 nov. 2026 à 10:00, Approvals <approvals@example.org> a écrit :\n> Approve\n",
            null, null
        },
        {
            "French client, English keyword",
            "Reject, pièce manquante\n\nLe lun. 30 nov. 2026 à 10:00, Approvals <approvals@example.org> a écrit :\n> Approve\n",
            Decision.Reject, "pièce manquante"
        },
        {
            "German quote header",
            "Approve\nDokumente geprüft.\n\nAm 30.11.2026 um 10:00 schrieb Approvals <approvals@example.org>:\n> Reject\n\nVon meinem iPhone gesendet\n",
            Decision.Approve, "Dokumente geprüft."
        },
        {
            "Spanish quote header",
            "Changes: falta el certificado\n\nEl lun, 30 nov 2026 a las 10:00, Approvals (<approvals@example.org>) escribió:\n> Approve\n",
            Decision.RequestChanges, "falta el certificado"
        },
        {
            "Arabic quote header",
            "approve - الوثائق سليمة\n\nفي الاثنين، ٣٠ نوفمبر ٢٠٢٦ ١٠:٠٠ ص كتب Approvals <approvals@example.org>:\n> Reject\n",
            Decision.Approve, "الوثائق سليمة"
        },
        {
            "Top-posted keyword with a multi-line comment and a signature",
            "Rejected - the candidate withdrew.\n\nThanks,\nInes\n--\nInes Intake | Intake office\n\n> Approve\n",
            Decision.Reject, "the candidate withdrew.\n\nThanks,\nInes"
        },
        { "Keyword only in the quote", "Thanks, will look tomorrow.\n\nOn Mon, Nov 30, 2026 Approvals wrote:\n> Approve\n", null, null },
        { "Empty reply", "\n\n> Approve\n", null, null },
        { "A question is no answer", "Approved?\n", null, null },
        { "No problem is not a no", "No problem, I'll check it\n", null, null },
        { "Short word needs punctuation", "ok thanks\n", null, null },
        { "Sent from Mail for Windows", "no.\n\nSent from Mail for Windows\n\nFrom: Approvals\nSent: 30 November 2026 10:00\n", Decision.Reject, null },
    };

    [Theory]
    [MemberData(nameof(PlainReplies))]
    public void Read_PlainTextReply_DecisionAndComment(string client, string text, Decision? decision, string? comment)
    {
        var reading = ReplyParser.Read(text, null);

        Assert.True(decision == reading.Decision, $"{client}: expected {decision}, read {reading.Decision}");
        Assert.Equal(comment, reading.Comment);
    }

    public static TheoryData<string, string, Decision?, string?> HtmlReplies => new()
    {
        {
            "Gmail HTML only",
            "<div dir=\"ltr\">Approve &mdash; all good<br><br>Ines</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, Nov 30, 2026 at 10:00 AM Approvals &lt;<a href=\"mailto:approvals@example.org\">approvals@example.org</a>&gt; wrote:<br></div><blockquote class=\"gmail_quote\">Reject</blockquote></div>",
            Decision.Approve, "all good\n\nInes"
        },
        {
            "Outlook web HTML only",
            "<html><head><style>p{margin:0}</style></head><body><div>Reject: wrong candidate</div><hr style=\"display:inline-block\"><div id=\"divRplyFwdMsg\"><b>From:</b> Approvals<br><b>Sent:</b> Monday</div><div>Approve</div></body></html>",
            Decision.Reject, "wrong candidate"
        },
        {
            "Apple Mail HTML with a blockquote",
            "<html><body><div>Request changes</div><div>Need the 2019 address.</div><div><br><blockquote type=\"cite\"><div>On 30 Nov 2026, Approvals wrote:</div><div>Approve</div></blockquote></div></body></html>",
            Decision.RequestChanges, "Need the 2019 address."
        },
        { "Keyword only in an HTML quote", "<div>Later</div><blockquote>Approve</blockquote>", null, null },
    };

    [Theory]
    [MemberData(nameof(HtmlReplies))]
    public void Read_HtmlOnlyReply_DecisionAndComment(string client, string html, Decision? decision, string? comment)
    {
        var reading = ReplyParser.Read(null, html);

        Assert.True(decision == reading.Decision, $"{client}: expected {decision}, read {reading.Decision}");
        Assert.Equal(comment, reading.Comment);
    }

    /// <summary>
    /// Replies built to make the reading patterns backtrack (found by a probe from outside; they made the listener answer
    /// 451 and the inbound route 500, so a relay would send them again and again): each is read from its first 100,000
    /// characters, or gives up and decides nothing, and never fails. None of them may read as anything but its own word.
    /// </summary>
    public static TheoryData<string, string?, string?> HostileReplies => new()
    {
        { "2 MB of '<' after the word", null, "Approve<br>" + new string('<', 2_000_000) },
        { "unclosed <head> 200,000 times", null, "Approve<br>" + string.Concat(Enumerable.Repeat("<head>", 200_000)) },
        { "<div class=\" 100,000 times", null, "Approve<br>" + string.Concat(Enumerable.Repeat("<div class=\"a ", 100_000)) },
        { "one 300 KB line of quote-header words", "On " + string.Concat(Enumerable.Repeat("x \u0643\u062a\u0628 ", 50_000)) + "\r\nApprove\r\n", null },
        { "2,000 long lines of quote-header words", string.Concat(Enumerable.Repeat("On " + string.Concat(Enumerable.Repeat("x \u0643\u062a\u0628 ", 700)) + "\r\n", 2_000)), null },
    };

    [Theory]
    [MemberData(nameof(HostileReplies))]
    public void Read_ReplyBuiltToBacktrack_ReadOrRefusedWithoutFailing(string shape, string? plain, string? html)
    {
        var reading = ReplyParser.Read(plain, html);

        Assert.True(reading.Decision is null or Decision.Approve, $"{shape}: read {reading.Decision}");
    }

    [Fact]
    public void Read_LongOwnLineBeforeTheWord_ReadAsTheSendersText()
    {
        var reading = ReplyParser.Read("Approve\n" + new string('x', 3_000) + "\n\nOn Mon, 30 Nov 2026 Approvals wrote:\n> Reject", null);

        Assert.Equal(Decision.Approve, reading.Decision);
        Assert.Equal(new string('x', 3_000), reading.Comment?.Trim());
    }
}
