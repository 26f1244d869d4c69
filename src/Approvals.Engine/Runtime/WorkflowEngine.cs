using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// The interpreter: <c>(definition, state, event) → (state, effects)</c>. Pure and deterministic: no I/O,
/// no clock (time comes with the event), no random numbers or fresh GUIDs (ids derive from the case id and
/// a counter in the state). The state passed in is never changed; a refused event throws
/// <see cref="EngineRefusal"/> and so changes nothing. Durations count elapsed time unless the stage, the
/// Wait or the workflow names a calendar found in <c>calendars</c>; a named calendar that is missing counts
/// elapsed time too, and the history says so (<c>CalendarMissing</c>).
/// </summary>
public static class WorkflowEngine
{
    public static Step Start(WorkflowDefinition definition, StartCase e, IDirectoryView directory, ICalendarView? calendars = null,
        EngineLimits? limits = null)
    {
        var state = new CaseState
        {
            CaseId = e.CaseId,
            Requester = Normalize(e.Requester),
            Title = e.Title,
            Data = PlainCopy(e.Data),
            StartedAt = e.At,
        };
        var run = new CaseRun(definition, state, directory, calendars, e, limits ?? EngineLimits.Default);
        run.Begin();
        return run.Finish();
    }

    public static Step Apply(WorkflowDefinition definition, CaseState current, CaseEvent e, IDirectoryView directory,
        ICalendarView? calendars = null, EngineLimits? limits = null)
    {
        if (e is StartCase) throw new ArgumentException("A case is started with WorkflowEngine.Start.", nameof(e));
        var run = new CaseRun(definition, current.Clone(), directory, calendars, e, limits ?? EngineLimits.Default);
        try
        {
            Dispatch(run, e);
        }
        catch (ActivityFault f)
        {
            // A limit reached outside any activity that can fault on its own (none is known): the event is
            // refused whole rather than half applied.
            throw new EngineRefusal(RefusalKind.Conflict, f.Message);
        }
        return e is FireTimer && run.NothingHappened ? new Step(current, []) : run.Finish();
    }

    private static void Dispatch(CaseRun run, CaseEvent e)
    {
        switch (e)
        {
            case DecideTask d: run.Decide(d); break;
            case ClaimTask c: run.Claim(c); break;
            case DelegateTask d: run.Delegate(d); break;
            case WithdrawCase w: run.Withdraw(w); break;
            case ResubmitCase r: run.Resubmit(r); break;
            case RetryCase r: run.Retry(r); break;
            case CoverAbsence c: run.CoverAbsence(c); break;
            case FireTimer f:
                // A timer may fire more than once (jobs run at least once) or after its case moved on:
                // then there is nothing to do, and nothing is changed.
                run.NothingHappened = !run.FireTimer(f);
                break;
            default: throw new ArgumentException($"Unknown event {e.GetType().Name}.", nameof(e));
        }
    }

    /// <summary>
    /// The server gave up firing a timer (it failed again and again): the timer is marked failed, which the
    /// case shows and a retry undoes. Needs no definition, so it works even when the failure was loading one.
    /// </summary>
    public static Step FailTimer(CaseState current, Guid timerId, string reason, DateTimeOffset at)
    {
        var state = current.Clone();
        var timer = state.Timers.FirstOrDefault(t => t.Id == timerId);
        if (timer is not { Status: TimerStatus.Pending } || state.IsTerminal) return new Step(current, []);
        timer.Status = TimerStatus.Failed;
        return new Step(state,
        [
            new TimerFailed(timerId),
            new AuditRecorded(new AuditEntry(at, Actors.System, AuditActions.TimerFailed, timer.ActivityId, timer.TaskId, null,
                new JsonObject { ["timerId"] = timerId.ToString(), ["kind"] = timer.Kind.ToString(), ["dueAt"] = timer.DueAt, ["reason"] = reason })),
        ]);
    }

    internal static string Normalize(string email) => email.Trim().ToLowerInvariant();

    /// <summary>
    /// A copy of caller data as plain JSON. A deep clone would keep typed values (a DateTimeOffset, say) that
    /// serialise differently once read back from storage, so the same case would not give the same bytes.
    /// </summary>
    internal static JsonObject PlainCopy(JsonObject data) => JsonNode.Parse(data.ToJsonString())!.AsObject();
}
