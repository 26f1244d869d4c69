using System.Collections.Concurrent;
using System.Globalization;
using Approvals.Server.Hosting;

namespace Approvals.Server.Tests.Hosting;

/// <summary>The mail dispatcher's scheduler: its work stays on its own threads, below the requests' priority.</summary>
public sealed class BackgroundSchedulerTests
{
    [Fact]
    public async Task Work_RunsAndResumesOnItsOwnThreads_AtTheLowerPriority()
    {
        using var scheduler = new BackgroundScheduler("test background", 2, 10);
        var seen = new ConcurrentBag<(string? Thread, int? Nice)>();
        await scheduler.RunAsync(async () =>
        {
            seen.Add(Here());
            await Task.Delay(10);
            seen.Add(Here());
            // lanes started from inside, as the dispatcher's are, resume here too
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                await Task.Yield();
                seen.Add(Here());
                await Task.Delay(5);
                seen.Add(Here());
            }));
            seen.Add(Here());
        }, CancellationToken.None);

        Assert.Equal(11, seen.Count);
        Assert.All(seen, s => Assert.StartsWith("test background", s.Thread, StringComparison.Ordinal));
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(scheduler.Lowered);
        Assert.All(seen, s => Assert.Equal(10, s.Nice));
        // the caller resumes off the scheduler, and other threads keep the process's priority
        Assert.DoesNotContain("test background", Thread.CurrentThread.Name ?? "", StringComparison.Ordinal);
        Assert.Equal(0, NiceOfThisThread());
        Assert.Equal(0, await Task.Run(NiceOfThisThread));
    }

    [Fact]
    public async Task NiceZero_RunsAtTheProcessPriority()
    {
        using var scheduler = new BackgroundScheduler("test background", 1, 0);
        var nice = -1;
        await scheduler.RunAsync(() =>
        {
            nice = OperatingSystem.IsLinux() ? NiceOfThisThread() : 0;
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.False(scheduler.Lowered);
        Assert.Equal(0, nice);
    }

    [Fact]
    public async Task AFailure_ReachesTheCaller()
    {
        using var scheduler = new BackgroundScheduler("test background", 1, 10);
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunAsync(async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("round failed");
        }, CancellationToken.None));
        Assert.Equal("round failed", failed.Message);
    }

    private static (string?, int?) Here() => (Thread.CurrentThread.Name, OperatingSystem.IsLinux() ? NiceOfThisThread() : null);

    /// <summary>Field 19 of /proc/thread-self/stat, counted after the command's closing parenthesis.</summary>
    private static int NiceOfThisThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
    }
}
