using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Marten.EventApp.IntegrationTests;

// with each entry's scopes (the span's trace and span ids, tags), for the checks on what logs carry and never hold
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    public static ConcurrentQueue<string> Entries { get; } = new();

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var scopes = new List<string>();
            capture._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    list.AddRange(pairs.Select(p => $"{p.Key}={p.Value}"));
                else if (scope is not null) list.Add(scope.ToString()!);
            }, scopes);
            Entries.Enqueue(
                $"{logLevel} {category}: {formatter(state, exception)} {exception} [{string.Join("; ", scopes)}]");
            // bounded: the newest entries are the ones a test looks at
            while (Entries.Count > 20_000) Entries.TryDequeue(out _);
        }
    }
}
