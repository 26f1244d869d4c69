using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Approvals.Benchmarks.Api;
using Approvals.Benchmarks.Support;
using Approvals.Engine.Json;
using Approvals.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowCore.Interface;
using WorkflowCore.Models;

namespace Approvals.Benchmarks.VsWorkflowCore;

/// <summary>
/// Issue 9, part 6: the same three-stage approval driven to completion in-process, without a database, by
/// both engines. Ours: the pure engine (<see cref="WorkflowEngine"/>) with each case's state kept in a
/// dictionary — start, then decide each stage's task. WorkflowCore 3.22 with its in-memory persistence:
/// three <c>WaitFor</c> steps, each released by a published event. Both use every core (the engine with
/// one loop per core, WorkflowCore with its own worker threads); cases per second are compared.
/// </summary>
public static class VsWorkflowCoreBenchmark
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var cases = args.Length >= 2 && args[0] == "--cases" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000;
        Console.WriteLine($"vs-workflowcore: {cases} three-stage cases per engine, {Environment.ProcessorCount} cores, load average {Stats.LoadAverage()}");
        RunOurs(Math.Min(cases, 200)); // warm-up: JIT
        var ours = RunOurs(cases);
        await RunWorkflowCoreAsync(Math.Min(cases, 200), ct);
        var theirs = await RunWorkflowCoreAsync(cases, ct);
        Console.WriteLine($"approvals engine (pure, in-memory state): {ours:0} cases/s");
        Console.WriteLine($"WorkflowCore 3.22 (in-memory persistence): {theirs:0} cases/s");
        Console.WriteLine($"ratio: {ours / theirs:0.0}x");
        Stats.Result("vs_workflowcore", ours / theirs);
        return 0;
    }

    private static double RunOurs(int cases)
    {
        var (definition, errors) = DefinitionReader.Read(BenchWorkflow.Definition("bench-3s", "reviewer@example.org"));
        if (definition is null) throw new InvalidOperationException("benchmark workflow invalid: " + string.Join("; ", errors));
        var directory = new DirectorySnapshot();
        var states = new ConcurrentDictionary<Guid, CaseState>();
        var completed = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var id = Guid.NewGuid();
            var step = WorkflowEngine.Start(definition, new StartCase(id, "requester@example.org", $"Case {i}", [], DateTimeOffset.UtcNow), directory);
            states[id] = step.State;
            while (step.Effects.OfType<TaskCreated>().FirstOrDefault() is { } created)
            {
                step = WorkflowEngine.Apply(definition, states[id], new DecideTask(created.Task.Id, Decision.Approve, null, "reviewer@example.org", DateTimeOffset.UtcNow), directory);
                states[id] = step.State;
            }
            if (step.State.Status == CaseStatus.Approved) Interlocked.Increment(ref completed);
        });
        var elapsed = clock.Elapsed;
        if (completed != cases) throw new InvalidOperationException($"our engine approved {completed} of {cases} cases");
        return cases / elapsed.TotalSeconds;
    }

    private static async Task<double> RunWorkflowCoreAsync(int cases, CancellationToken ct)
    {
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddWorkflow().BuildServiceProvider();
        var host = services.GetRequiredService<IWorkflowHost>();
        host.RegisterWorkflow<ThreeStage, ApprovalData>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = 0;
        ThreeStage.Completed = () =>
        {
            if (Interlocked.Increment(ref completed) == cases) done.TrySetResult();
        };
        host.Start();
        try
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < cases; i++)
            {
                var key = "case-" + i.ToString(CultureInfo.InvariantCulture);
                await host.StartWorkflow(nameof(ThreeStage), 1, new ApprovalData { Key = key });
                // Subscriptions are as of DateTime.MinValue, so a decision published before its stage is reached still counts.
                foreach (var stage in BenchWorkflow.Stages)
                    await host.PublishEvent("decision", $"{key}/{stage}", "approve");
            }
            try
            {
                await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
            }
            catch (TimeoutException)
            {
                // Its in-memory store scans every instance and subscription it holds, so it slows as cases pile up: the
                // rate is then what it completed in the time given, and the line says so.
                var finished = Volatile.Read(ref completed);
                Console.WriteLine($"WorkflowCore 3.22 completed {finished} of {cases} cases within {clock.Elapsed.TotalSeconds:0} s");
                return finished / clock.Elapsed.TotalSeconds;
            }
            return cases / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            host.Stop();
            await services.DisposeAsync();
        }
    }

    public sealed class ApprovalData
    {
        public string Key { get; set; } = "";
        public object? S1 { get; set; }
        public object? S2 { get; set; }
        public object? S3 { get; set; }
    }

    /// <summary>Start → stage 1 → stage 2 → stage 3 → done, each stage waiting for its decision event.</summary>
    public sealed class ThreeStage : IWorkflow<ApprovalData>
    {
        public static Action Completed { get; set; } = () => { };

        public string Id => nameof(ThreeStage);

        public int Version => 1;

        public void Build(IWorkflowBuilder<ApprovalData> builder) => builder
            .StartWith(_ => ExecutionResult.Next())
            .WaitFor("decision", d => d.Key + "/s1", _ => DateTime.MinValue).Output(d => d.S1, s => s.EventData)
            .WaitFor("decision", d => d.Key + "/s2", _ => DateTime.MinValue).Output(d => d.S2, s => s.EventData)
            .WaitFor("decision", d => d.Key + "/s3", _ => DateTime.MinValue).Output(d => d.S3, s => s.EventData)
            .Then(_ =>
            {
                Completed();
                return ExecutionResult.Next();
            });
    }
}
