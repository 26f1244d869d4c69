using Hangfire.Logging;

namespace Approvals.Server.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide while each host has its own logger factory. When a host
/// stops (tests start and stop many in one process), Hangfire components of another host must not fail
/// on the stopped host's disposed factory: such a log line is dropped instead.
/// </summary>
internal sealed class HangfireLogging(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name) => new Logger(factory, name);

    private sealed class Logger(ILoggerFactory factory, string name) : ILog
    {
        private ILogger? _logger;

        public bool Log(Hangfire.Logging.LogLevel level, Func<string>? message, Exception? exception = null)
        {
            try
            {
                var logger = _logger ??= factory.CreateLogger(name);
                var mapped = Map(level);
                if (message is null) return logger.IsEnabled(mapped);
                if (logger.IsEnabled(mapped)) logger.Log(mapped, exception, "{Message}", message());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        private static Microsoft.Extensions.Logging.LogLevel Map(Hangfire.Logging.LogLevel level) => level switch
        {
            Hangfire.Logging.LogLevel.Trace => Microsoft.Extensions.Logging.LogLevel.Trace,
            Hangfire.Logging.LogLevel.Debug => Microsoft.Extensions.Logging.LogLevel.Debug,
            Hangfire.Logging.LogLevel.Info => Microsoft.Extensions.Logging.LogLevel.Information,
            Hangfire.Logging.LogLevel.Warn => Microsoft.Extensions.Logging.LogLevel.Warning,
            Hangfire.Logging.LogLevel.Error => Microsoft.Extensions.Logging.LogLevel.Error,
            _ => Microsoft.Extensions.Logging.LogLevel.Critical,
        };
    }
}
