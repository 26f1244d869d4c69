using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

/// <summary>
/// The interpreter, by behaviour a user notices. One class for <see cref="WorkflowEngine"/>, split by theme
/// over several files (Policies, Routing, ChangesRequested, SeparationOfDuties, Refusals, Timers, Determinism, Audit).
/// </summary>
public sealed partial class WorkflowEngineTests
{
    private const string Ann = "ann@example.org";
    private const string Bob = "bob@example.org";
    private const string Cy = "cy@example.org";
    private const string Dee = "dee@example.org";
    private const string Admin = "admin@example.org";
    private const string Requester = CaseDriver.Requester;

    /// <summary>board: Ann, Bob and Cy.</summary>
    private static DirectorySnapshot Board() => new DirectorySnapshot().AddGroup("board", Ann, Bob, Cy);

    private static CaseDriver StartSingleReview(string review, DirectorySnapshot? directory = null, JsonObject? data = null) =>
        CaseDriver.Start(Definitions.SingleReview(review), directory ?? Board(), data);

    private static T Effect<T>(Step step) where T : Effect => Assert.Single(step.Effects.OfType<T>());
}
