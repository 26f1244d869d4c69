using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Approvals.Server.Hosting;

/// <summary>
/// Runs background work (the outbox dispatcher) on threads of its own at a lower CPU priority than the threads that
/// answer requests, so that the operating system gives a request the core first and the background work what is left.
/// Work started under this scheduler stays on it: an <c>await</c> without <c>ConfigureAwait(false)</c> resumes here.
/// </summary>
/// <remarks>
/// On Linux a thread's priority is its nice value (<c>setpriority</c> on the thread's id; raising it needs no
/// privilege); on Windows it is <see cref="ThreadPriority.BelowNormal"/>. Elsewhere, or when <paramref name="nice"/> is 0,
/// the threads run at the process's priority. A background thread still gets the CPU the requests leave: at nice 10
/// it has about a tenth of a busy core's weight against a request thread, the whole core when nothing else runs.
/// </remarks>
public sealed class BackgroundScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = new();
    private readonly Thread[] _threads;

    [ThreadStatic]
    private static BackgroundScheduler? _runningOn;

    public BackgroundScheduler(string name, int threads, int nice)
    {
        Nice = nice;
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = threads == 1 ? name : $"{name} {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>The nice value asked for (0: as the process).</summary>
    public int Nice { get; }

    /// <summary>Whether the threads did get the lower priority (false on a system where it could not be set).</summary>
    public bool Lowered { get; private set; }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>
    /// Runs <paramref name="work"/> on this scheduler, its awaits resuming here; the caller resumes on the thread pool,
    /// not on one of these threads.
    /// </summary>
    public async Task RunAsync(Func<Task> work, CancellationToken ct) =>
        await Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, this).Unwrap().ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

    private void Run()
    {
        _runningOn = this;
        if (Nice != 0) Lowered = Lower(Nice);
        try
        {
            foreach (var task in _queue.GetConsumingEnumerable()) TryExecuteTask(task);
        }
        catch (ObjectDisposedException)
        {
            // disposed while waiting: the host is stopping
        }
    }

    protected override void QueueTask(Task task)
    {
        try
        {
            _queue.Add(task);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The host is stopping and the scheduler is gone: what is left runs on the thread pool rather than never.
            ThreadPool.UnsafeQueueUserWorkItem(t => TryExecuteTask(t), task, preferLocal: false);
        }
    }

    /// <summary>Inline only on its own threads: a task queued here never runs at a request thread's priority.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _runningOn == this && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    public void Dispose() => _queue.CompleteAdding();

    private static bool Lower(int nice)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
                return true;
            }
            // Linux: nice is per thread; PRIO_PROCESS with the thread's id sets this thread's alone.
            if (OperatingSystem.IsLinux()) return SetPriority(0, GetTid(), nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or PlatformNotSupportedException)
        {
            // not there: run at the process's priority
        }
        return false;
    }

    // DllImport rather than LibraryImport, which would need unsafe code: both take and return plain ints.
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();
}
