using Approvals.Engine.Calendars;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

/// <summary>
/// Stage timers through <see cref="WorkflowEngine"/>: deadlines (<c>sla</c>), reminders, escalation chains and
/// calendars. Split by theme: this file (deadlines, reminders, calendars) and TimerTests.Escalations.cs.
/// </summary>
public sealed partial class TimerTests
{
    private const string Ann = "ann@example.org";
    private const string Bob = "bob@example.org";
    private const string Cy = "cy@example.org";
    private const string Dee = "dee@example.org";
    private const string Eve = "eve@example.org";
    private const string Boss = "boss@example.org";
    private const string Requester = CaseDriver.Requester;
    private static readonly DateTimeOffset T0 = CaseDriver.T0; // Monday 5 January 2026, 09:00 UTC

    /// <summary>officers: Ann, Bob. supervisors: Cy, Dee. The requester's manager is Boss; Ann's is Cy.</summary>
    private static DirectorySnapshot People() => new DirectorySnapshot()
        .AddGroup("officers", Ann, Bob)
        .AddGroup("supervisors", Cy, Dee)
        .AddGroup("everyone", Ann, Bob, Cy, Dee, Eve, Requester)
        .SetManager(Requester, Boss)
        .SetManager(Ann, Cy)
        .SetManager(Bob, Dee);

    private static CaseDriver Start(string review, ICalendarView? calendars = null, params string[] moreConnections) =>
        CaseDriver.Start(Definitions.SingleReview(review, moreConnections), People(), calendars: calendars);

    private static IEnumerable<NotificationRequested> Notices(Step step, string @event) =>
        step.Effects.OfType<NotificationRequested>().Where(n => n.Event == @event);

    /// <summary>Firing changed nothing: the same state instance back and no effects.</summary>
    private static void NothingHappened(CaseState before, Step step)
    {
        Assert.Same(before, step.State);
        Assert.Empty(step.Effects);
    }

    // ---- deadlines ----------------------------------------------------------------------------------

    [Fact]
    public void Start_Sla_SetsDueAtAndADeadlineTimer()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P2D" """);

        var task = c.TaskOf(Ann);
        Assert.Equal(T0.AddDays(2), task.DueAt);
        var deadline = Assert.Single(c.Pending(TimerKind.Deadline));
        Assert.Equal(task.Id, deadline.TaskId);
        Assert.Equal(task.DueAt, deadline.DueAt);
        Assert.Equal("review", deadline.ActivityId);
        Assert.Equal(task.StageSequence, deadline.StageSequence);
        Assert.Contains(c.Last.Effects.OfType<TimerScheduled>(), t => t.Timer.Id == deadline.Id);
    }

    [Fact]
    public void Start_NoSla_NoDueAtAndNoTimer()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]} """);

        Assert.Null(c.TaskOf(Ann).DueAt);
        Assert.Empty(c.State.PendingTimers);
    }

    [Fact]
    public void Apply_FireDeadlineWhileOpen_AuditsAndTellsTheTaskPeopleWithoutRouting()
    {
        var c = Start("""  "assignees": {"groups": ["officers"]}, "sla": "P2D" """);
        var task = c.OpenTask("review");

        var (timer, step) = c.FireNext();

        Assert.Equal(TimerKind.Deadline, timer.Kind);
        var passed = Assert.Single(step.Audit);
        Assert.Equal(AuditActions.DeadlinePassed, passed.Action);
        Assert.Equal(Actors.System, passed.Actor);
        Assert.Equal(task.Id, passed.TaskId);
        Assert.Equal(T0.AddDays(2), passed.At);
        var overdue = Assert.Single(Notices(step, "TaskOverdue"));
        Assert.Equal("task-overdue", overdue.Template);
        Assert.Equal([Ann, Bob], overdue.To);
        Assert.Equal(task.Id, overdue.TaskId);
        Assert.Equal(ReviewTaskStatus.Open, c.Task(task.Id).Status);
        Assert.Equal(["review"], c.State.ActiveActivities);
        Assert.Equal(TimerStatus.Fired, c.State.Timers.Single(t => t.Id == timer.Id).Status);
    }

    [Fact]
    public void Apply_DecideTask_CancelsItsDeadlineAndRemindersAndFiringThemChangesNothing()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P2D", "reminders": ["P1D"] """);
        var timers = c.State.PendingTimers.ToList();
        Assert.Equal(2, timers.Count);

        var decided = c.Decide(Ann);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.All(timers, t => Assert.Equal(TimerStatus.Cancelled, c.State.Timers.Single(x => x.Id == t.Id).Status));
        Assert.Equal(timers.Select(t => t.Id).Order(), decided.Effects.OfType<TimerCancelled>().Select(t => t.TimerId).Order());
        foreach (var timer in timers)
        {
            var before = c.State;
            NothingHappened(before, c.Fire(timer.Id, timer.DueAt));
        }
    }

    [Fact]
    public void Apply_DecideOneTaskOfAnAllStage_CancelsOnlyThatTasksTimers()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"}, "sla": "P2D", "reminders": ["P1D"] """);
        var bobs = c.TaskOf(Bob);

        c.Decide(Ann);

        var pending = c.State.PendingTimers.ToList();
        Assert.Equal(2, pending.Count);
        Assert.All(pending, t => Assert.Equal(bobs.Id, t.TaskId));
    }

    // ---- reminders ----------------------------------------------------------------------------------

    [Fact]
    public void Start_Reminders_OneTimerPerDurationPerTask()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"}, "reminders": ["PT4H", "P1D"] """);

        var reminders = c.Pending(TimerKind.Reminder);

        Assert.Equal(4, reminders.Count);
        foreach (var task in c.Open)
        {
            var mine = reminders.Where(r => r.TaskId == task.Id).ToList();
            Assert.Equal([0, 1], mine.Select(r => r.Index));
            Assert.Equal([T0.AddHours(4), T0.AddDays(1)], mine.Select(r => r.DueAt));
        }
    }

    [Fact]
    public void Apply_FireRemindersInOrder_EachSentOnceToTheTaskPeople()
    {
        var c = Start("""  "assignees": {"groups": ["officers"]}, "reminders": ["PT4H", "P1D"] """);
        var task = c.OpenTask("review");

        var (first, one) = c.FireNext();
        var (second, two) = c.FireNext();

        Assert.Equal((TimerKind.Reminder, 0), (first.Kind, first.Index));
        Assert.Equal((TimerKind.Reminder, 1), (second.Kind, second.Index));
        foreach (var (step, index) in new[] { (one, 0), (two, 1) })
        {
            var sent = Assert.Single(step.Audit);
            Assert.Equal(AuditActions.ReminderSent, sent.Action);
            Assert.Equal(Actors.System, sent.Actor);
            Assert.Equal(task.Id, sent.TaskId);
            Assert.Equal(index, (int)sent.Details!["index"]!);
            var notice = Assert.Single(Notices(step, "Reminder"));
            Assert.Equal("task-reminder", notice.Template);
            Assert.Equal([Ann, Bob], notice.To);
        }
        Assert.Equal(T0.AddHours(4), one.Audit.Single().At);
        Assert.Empty(c.State.PendingTimers);

        var before = c.State;
        NothingHappened(before, c.Fire(first.Id, first.DueAt.AddHours(1)));
    }

    [Fact]
    public void Apply_ReminderAfterTheStageClosed_ChangesNothing()
    {
        var c = Start("""  "assignees": {"groups": ["officers"]}, "reminders": ["P1D"] """);
        var reminder = Assert.Single(c.Pending(TimerKind.Reminder));
        c.Decide(c.OpenTask("review"), Bob, Decision.Reject);
        var before = c.State;

        NothingHappened(before, c.Fire(reminder.Id, reminder.DueAt));
    }

    [Fact]
    public void Apply_Delegate_RemindersCountFromTheDelegationAndTheDeadlineStays()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P3D", "reminders": ["P1D"] """);
        var task = c.TaskOf(Ann);
        var old = Assert.Single(c.Pending(TimerKind.Reminder));
        var deadline = Assert.Single(c.Pending(TimerKind.Deadline));
        c.Fire(old.Id, old.DueAt); // a day later: the reminder went to Ann
        Assert.Empty(c.Pending(TimerKind.Reminder));

        var delegated = c.Delegate(c.Task(task.Id), Bob, Ann);

        var fresh = Assert.Single(c.Pending(TimerKind.Reminder));
        Assert.Equal(c.Now.AddMinutes(-1).AddDays(1), fresh.DueAt);
        Assert.Equal(task.Id, fresh.TaskId);
        Assert.Contains(delegated.Effects.OfType<TimerScheduled>(), t => t.Timer.Id == fresh.Id);
        Assert.Equal(deadline.Id, Assert.Single(c.Pending(TimerKind.Deadline)).Id);
        Assert.Equal(T0.AddDays(3), c.Task(task.Id).DueAt);

        var (_, reminded) = c.FireNext();
        Assert.Equal([Bob], Assert.Single(Notices(reminded, "Reminder")).To);
    }

    [Fact]
    public void Apply_DelegateBeforeAReminder_OldReminderCancelled()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "reminders": ["P1D"] """);
        var old = Assert.Single(c.Pending(TimerKind.Reminder));

        var delegated = c.Delegate(c.TaskOf(Ann), Bob, Ann);

        Assert.Contains(delegated.Effects.OfType<TimerCancelled>(), t => t.TimerId == old.Id);
        Assert.NotEqual(old.Id, Assert.Single(c.Pending(TimerKind.Reminder)).Id);
        var before = c.State;
        NothingHappened(before, c.Fire(old.Id, old.DueAt));
    }

    [Fact]
    public void Apply_Claim_KeepsTheReminders()
    {
        var c = Start("""  "assignees": {"groups": ["officers"]}, "reminders": ["P1D"] """);
        var reminder = Assert.Single(c.Pending(TimerKind.Reminder));

        var claimed = c.Claim(c.OpenTask("review"), Ann);

        Assert.Empty(claimed.Effects.OfType<TimerCancelled>());
        Assert.Equal(reminder.Id, Assert.Single(c.Pending(TimerKind.Reminder)).Id);
        var (_, reminded) = c.FireNext();
        Assert.Equal([Ann], Assert.Single(Notices(reminded, "Reminder")).To);
    }

    // ---- calendars ----------------------------------------------------------------------------------

    /// <summary>Berlin office: Monday–Friday, 08:00–16:00 local (07:00–15:00 UTC in winter).</summary>
    private static CalendarSet Office() => new CalendarSet()
        .Add(new BusinessCalendar("office", "Europe/Berlin",
            [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
            new TimeOnly(8, 0), new TimeOnly(16, 0), [new DateOnly(2026, 1, 6)]))
        .Add(new BusinessCalendar("gaza", "Asia/Gaza",
            [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday],
            new TimeOnly(8, 0), new TimeOnly(16, 0), []));

    [Fact]
    public void Start_StageCalendar_DueDatesCountWorkingTime()
    {
        // Monday 09:00 UTC = 10:00 in Berlin; Tuesday 6 January is a holiday.
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P1D", "reminders": ["PT8H"], "escalations": [{"after": "P2DT2H", "action": "notify", "to": {"requester": true}}], "calendar": "office" """,
            Office());

        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), c.TaskOf(Ann).DueAt); // Wednesday 10:00 local
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), Assert.Single(c.Pending(TimerKind.Reminder)).DueAt);
        Assert.Equal(new DateTimeOffset(2026, 1, 8, 11, 0, 0, TimeSpan.Zero), Assert.Single(c.Pending(TimerKind.Escalation)).DueAt); // Thursday 12:00 local
        Assert.DoesNotContain(c.AuditActions, a => a == AuditActions.CalendarMissing);
    }

    [Fact]
    public void Start_WorkflowCalendar_UsedWhenTheStageNamesNone()
    {
        var def = Definitions.ParseWithCalendar("gaza", """
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"users": ["ann@example.org"]}, "sla": "PT8H"},
              {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> review", "review.Approved -> ok", "review.Rejected -> no");

        // Friday 9 January 10:00 UTC is 12:00 in Gaza, a day off: eight working hours end on Sunday at 16:00 (14:00 UTC).
        var c = CaseDriver.Start(def, People(), calendars: Office(), at: new DateTimeOffset(2026, 1, 9, 10, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 1, 11, 14, 0, 0, TimeSpan.Zero), c.TaskOf(Ann).DueAt);
    }

    [Fact]
    public void Start_StageCalendarOverridesTheWorkflows()
    {
        var def = Definitions.ParseWithCalendar("gaza", """
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"users": ["ann@example.org"]}, "sla": "P1D", "calendar": "office"},
              {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> review", "review.Approved -> ok", "review.Rejected -> no");

        var c = CaseDriver.Start(def, People(), calendars: Office());

        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), c.TaskOf(Ann).DueAt);
    }

    [Fact]
    public void Start_MissingCalendar_ElapsedTimeAndOneCalendarMissingEntry()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"}, "sla": "P1D", "reminders": ["PT4H"], "escalations": [{"after": "P2D", "action": "decide", "outcome": "Rejected"}], "calendar": "nowhere" """,
            Office());

        Assert.All(c.Open, t => Assert.Equal(T0.AddDays(1), t.DueAt));
        Assert.Equal(T0.AddDays(2), Assert.Single(c.Pending(TimerKind.Escalation)).DueAt);
        var missing = Assert.Single(c.AuditOf(AuditActions.CalendarMissing));
        Assert.Equal(Actors.System, missing.Actor);
        Assert.Equal("nowhere", (string?)missing.Details!["calendar"]);
    }

    [Fact]
    public void Start_CalendarButNoCalendarsGiven_ElapsedTime()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P1D", "calendar": "office" """);

        Assert.Equal(T0.AddDays(1), c.TaskOf(Ann).DueAt);
        Assert.Single(c.AuditOf(AuditActions.CalendarMissing));
    }

    [Fact]
    public void Start_WaitWithCalendar_CountsWorkingTime()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"}, {"id": "pause", "type": "Wait", "duration": "PT8H", "calendar": "office"},
              {"id": "ok", "type": "End", "outcome": "Approved"} ]
            """, "start.Done -> pause", "pause.Done -> ok");

        var c = CaseDriver.Start(def, People(), calendars: Office());

        // Monday 10:00 local + 8 working hours: 6 on Monday, Tuesday a holiday, 2 on Wednesday → 10:00 local.
        var wait = Assert.Single(c.State.PendingTimers);
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), wait.DueAt);
        c.Fire(wait.Id, wait.DueAt);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_SameEventsSameCalendars_SameBytes()
    {
        string Play()
        {
            var c = Start("""  "assignees": {"groups": ["officers"]}, "sla": "P1D", "reminders": ["PT2H"], "escalations": [{"after": "PT3H", "action": "reassign", "to": {"groups": ["supervisors"]}}], "calendar": "office" """,
                Office());
            while (c.State.PendingTimers.Any() && !c.State.IsTerminal) c.FireNext();
            return CaseStateJson.Serialize(c.State);
        }

        Assert.Equal(Play(), Play());
        Assert.Contains("\"stageSequence\"", Play());
    }

    [Fact]
    public void Reload_TimerWithStageSequence_RoundTrips()
    {
        var c = Start("""  "assignees": {"users": ["ann@example.org"]}, "reminders": ["P1D"] """);
        var before = CaseStateJson.Serialize(c.State);

        c.Reload();

        Assert.Equal(before, CaseStateJson.Serialize(c.State));
        Assert.NotNull(Assert.Single(c.State.PendingTimers).StageSequence);
    }
}
