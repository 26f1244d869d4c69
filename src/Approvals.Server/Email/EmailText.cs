namespace Approvals.Server.Email;

/// <summary>
/// Every sentence the email decision pages and the explanatory replies show, in one place, so that a translation
/// (Arabic first, right to left) is one more instance of this class. Placeholders are <c>{0}</c>-style.
/// </summary>
public sealed record EmailText
{
    public static readonly EmailText English = new();

    public string Lang { get; init; } = "en";
    public string Dir { get; init; } = "ltr";

    public string AppName { get; init; } = "Approvals";
    public string ConfirmTitle { get; init; } = "Confirm your decision";
    public string ConfirmLead { get; init; } = "Nothing has been decided yet. Check the details, add a comment if you like, and confirm.";
    public string CaseLabel { get; init; } = "Case";
    public string WorkflowLabel { get; init; } = "Workflow";
    public string StageLabel { get; init; } = "Stage";
    public string DecisionLabel { get; init; } = "Decision";
    public string ForLabel { get; init; } = "Deciding as";
    public string CommentLabel { get; init; } = "Comment (optional)";
    public string OpenInApp { get; init; } = "Open the task in Approvals instead";
    public string GoToApp { get; init; } = "Go to Approvals";

    public string Approve { get; init; } = "Approve";
    public string Reject { get; init; } = "Reject";
    public string RequestChanges { get; init; } = "Request changes";
    public string ConfirmButton { get; init; } = "Confirm: {0}";

    public string DoneTitle { get; init; } = "Decision recorded";
    public string DoneLead { get; init; } = "Your decision \u201c{0}\u201d on \u201c{1}\u201d was recorded. You can close this page.";

    public string RefusedTitle { get; init; } = "This link cannot be used";
    public string UnknownToken { get; init; } = "This link is not valid. It may have been copied incompletely. Open the task in Approvals to decide.";
    public string Expired { get; init; } = "This link has expired. Open the task in Approvals to decide.";
    public string Used { get; init; } = "This link was already used, so your decision is already recorded. Nothing was changed.";
    public string TaskClosed { get; init; } = "This task is no longer open: it was decided, cancelled or its case closed. Nothing was changed.";
    public string NotEntitled { get; init; } = "You are no longer allowed to decide this task. Nothing was changed.";
    public string InvalidComment { get; init; } = "The comment could not be accepted: it is longer than {0} characters or holds hidden characters.";
    public string BadForm { get; init; } = "This page expects the form of the confirmation page. Open the link from your email again.";

    public string Ambiguous { get; init; } = "Your reply was not understood. Start your reply with Approve, Reject or Request changes on the first line.";
    public string ForeignSender { get; init; } = "This reply did not come from the person the task email was sent to, so it was not accepted.";
    public string AuthenticationFailed { get; init; } = "Your reply failed our sender checks (SPF, DKIM or DMARC), so it was not accepted.";
    public string AutomaticReply { get; init; } = "This looks like an automatic reply (an out-of-office notice or similar), so it decided nothing.";
    public string ReplyDecided { get; init; } = "Your decision was recorded.";
    public string ReplyIgnored { get; init; } = "This message was not sent to the reply address of a current task email; nothing was done.";
    public string ReplyExpired { get; init; } = "The reply address of this task email has expired. Open the task in Approvals to decide.";
    public string ReplyDuplicate { get; init; } = "This message was handled before; nothing was done again.";
    public string ReplyTooLarge { get; init; } = "This message is larger than the server accepts; nothing was done.";

    /// <summary>The sentence for a refusal code of <see cref="EmailRefusals"/>.</summary>
    public string Sentence(string reason) => reason switch
    {
        EmailRefusals.Expired => Expired,
        EmailRefusals.Used => Used,
        EmailRefusals.TaskClosed => TaskClosed,
        EmailRefusals.NotEntitled => NotEntitled,
        EmailRefusals.InvalidComment => string.Format(System.Globalization.CultureInfo.InvariantCulture, InvalidComment, Http.PlainText.MaxCommentLength),
        EmailRefusals.Ambiguous => Ambiguous,
        EmailRefusals.ForeignSender => ForeignSender,
        EmailRefusals.AuthenticationFailed => AuthenticationFailed,
        EmailRefusals.Automatic => AutomaticReply,
        _ => UnknownToken,
    };

    /// <summary>The sentence for a refused reply (a reply has no link of its own to speak of).</summary>
    public string ReplySentence(string reason) => reason switch
    {
        EmailRefusals.UnknownToken => ReplyIgnored,
        EmailRefusals.Expired => ReplyExpired,
        _ => Sentence(reason),
    };

    public string DecisionName(string decision) => decision switch
    {
        "approve" => Approve,
        "reject" => Reject,
        _ => RequestChanges,
    };
}
