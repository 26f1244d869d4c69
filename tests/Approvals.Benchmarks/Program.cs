using System.Runtime.InteropServices;
using Approvals.Benchmarks.TimerLateness;

// Approvals benchmarks: one sub-command per benchmark.
//
//   dotnet Approvals.Benchmarks.dll timer-lateness [--timers 10000] [...]   (see TimerLatenessBenchmark.Usage)
//
// Ctrl+C, SIGTERM and the --timeout all cancel the run; whatever it started is stopped on the way out.

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Approvals.Benchmarks timer-lateness [options]   (timer-lateness --help for the options)");
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
    Console.Error.WriteLine($"benchmark: unknown benchmark '{name}' (known: timer-lateness)");
    return 2;
}
