using System.Runtime.InteropServices;
using Approvals.Benchmarks.Api;
using Approvals.Benchmarks.TimerLateness;
using Approvals.Benchmarks.VsWorkflowCore;

// Approvals benchmarks: one sub-command per benchmark.
//
//   dotnet Approvals.Benchmarks.dll timer-lateness [--timers 10000] [...]   (see TimerLatenessBenchmark.Usage)
//   dotnet Approvals.Benchmarks.dll api [--reviewers 16] [...]              (see ApiBenchmark.Usage; issue 9 parts 1, 3, 5, 7, 8)
//   dotnet Approvals.Benchmarks.dll vs-workflowcore [--cases 5000]          (issue 9 part 6)
//
// tests/bench/run runs them all with PostgreSQL and pgbench.
//
// Ctrl+C, SIGTERM and the --timeout all cancel the run; whatever it started is stopped on the way out.

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Approvals.Benchmarks timer-lateness|api|vs-workflowcore [options]   (<name> --help for the options)");
    return args.Length == 0 ? 2 : 0;
}

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

try
{
    return args[0] switch
    {
        "timer-lateness" => await TimerLatenessBenchmark.RunAsync(args[1..], stop.Token),
        "api" => await ApiBenchmark.RunAsync(args[1..], stop.Token),
        "vs-workflowcore" => await VsWorkflowCoreBenchmark.RunAsync(args[1..], stop.Token),
        _ => Unknown(args[0]),
    };
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("benchmark: cancelled");
    return 130;
}

static int Unknown(string name)
{
    Console.Error.WriteLine($"benchmark: unknown benchmark '{name}' (known: timer-lateness, api, vs-workflowcore)");
    return 2;
}
