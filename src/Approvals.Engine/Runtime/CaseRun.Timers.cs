using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>Stage timers: reminders, deadlines and escalation steps (carried out by the timer issue).</summary>
internal sealed partial class CaseRun
{
    private bool FireStageTimer(CaseTimer timer) => false;
}
