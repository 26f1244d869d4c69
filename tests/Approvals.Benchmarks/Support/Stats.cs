using System.Diagnostics;
using System.Globalization;

namespace Approvals.Benchmarks.Support;

/// <summary>Percentiles, load average and process figures shared by the benchmarks' reports.</summary>
public static class Stats
{
    /// <summary>Nearest-rank percentile of unsorted values (0 when there are none).</summary>
    public static double P(IReadOnlyCollection<double> values, double percent)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static string Summary(IReadOnlyCollection<double> ms) => ms.Count == 0 ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"count {ms.Count} p50 {P(ms, 50):0.0} p95 {P(ms, 95):0.0} p99 {P(ms, 99):0.0} max {ms.Max():0.0} ms");

    /// <summary>
    /// When in the run the samples over <paramref name="overMs"/> were sent, by 100 ms window (worst windows first): a
    /// tail spread over the run and one from a few stalls (every request in flight waiting together) read differently.
    /// </summary>
    public static string Tail(IReadOnlyCollection<(double At, double Ms)> samples, double overMs)
    {
        var slow = samples.Where(s => s.Ms > overMs).ToList();
        if (slow.Count == 0) return string.Create(CultureInfo.InvariantCulture, $"none over {overMs:0} ms");
        var windows = slow.GroupBy(s => Math.Floor(s.At * 10) / 10)
            .Select(w => (At: w.Key, Count: w.Count(), Worst: w.Max(s => s.Ms)))
            .OrderByDescending(w => w.Count).ThenByDescending(w => w.Worst).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{slow.Count} of {samples.Count} over {overMs:0} ms, sent in {windows.Count} windows of 100 ms; the worst: ")
            + string.Join(", ", windows.Take(6).Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.At:0.0} s ({w.Count}, up to {w.Worst:0} ms)")));
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Resident set size of a process in MB, from /proc (0 when it cannot be read).</summary>
    public static double RssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU time (user + system) a process has used so far, from /proc/PID/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            return TimeSpan.FromSeconds(Ticks(File.ReadAllText($"/proc/{pid}/stat")) / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// CPU time (user + system) used so far by every process named <paramref name="name"/> (PostgreSQL's backends are
    /// all named <c>postgres</c>). A process that ended in between takes its time with it: read over a phase in which
    /// the connections stay open (the server pools them), the difference is what those processes used in it.
    /// </summary>
    public static TimeSpan CpuTimeOf(string name)
    {
        var ticks = 0L;
        string[] dirs;
        try
        {
            dirs = Directory.GetDirectories("/proc");
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
        foreach (var dir in dirs)
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || !stat.AsSpan(open + 1, close - open - 1).SequenceEqual(name)) continue;
                ticks += Ticks(stat);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone in between, or not ours to read
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>User plus system clock ticks in a /proc/PID/stat line (the fields after the command name in parentheses).</summary>
    private static long Ticks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Share of the machine's CPU (all cores) a process used between two CPU-time readings over <paramref name="wall"/>.</summary>
    public static double CpuShare(TimeSpan before, TimeSpan after, TimeSpan wall) =>
        wall <= TimeSpan.Zero ? 0 : (after - before).TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount);

    public static int OwnPid => Environment.ProcessId;

    public static TimeSpan OwnCpu => Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>A machine-readable result line: the run script reads <c>result key=value</c>.</summary>
    public static void Result(string key, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {key}={value:0.###}"));

    public static void ResultText(string key, string value) => Console.WriteLine($"result {key}={value}");
}
