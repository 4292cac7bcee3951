using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Marten.EventApp.IntegrationTests;

/// <summary>Every log entry of the test hosts at Information or above, as written (message and exception), for the PII check.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public static ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            // bounded: the newest entries are the ones a test looks at
            while (Entries.Count > 20_000) Entries.TryDequeue(out _);
        }
    }
}
