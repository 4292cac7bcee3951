using System.Text.Json;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace Marten.EventApp.Operations;

public static class Health
{
    public const string Ready = "ready";

    public static void AddHealth(this WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks()
            .AddNpgSql(builder.Configuration.GetConnectionString("Marten")!, name: "postgres", tags: [Ready],
                timeout: TimeSpan.FromSeconds(5))
            .AddCheck<ProjectionLagCheck>("projections", tags: [Ready])
            .AddCheck<DeadLettersCheck>("dead-letters", tags: [Ready])
            .AddCheck<SequencesCheck>("sequences", tags: [Ready])
            .AddCheck<OutboxCheck>("outbox", tags: [Ready])
            .AddCheck<StuckSagasCheck>("sagas", tags: [Ready]);
        builder.Services.AddOutputCache();
        if (Broker.From(builder.Configuration).IsConfigured)
        {
            builder.Services.AddSingleton<BrokerProbe>();
            checks.AddRabbitMQ(sp => sp.GetRequiredService<BrokerProbe>().ConnectionAsync(), name: "rabbitmq",
                tags: [Ready],
                timeout: TimeSpan.FromSeconds(5));
        }
    }

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        var cache = new HealthAnswerCache(app.ServiceProvider.GetRequiredService<MonitoringOptions>().HealthCache);
        // probes come without credentials
        app.MapHealthChecks("/health/live",
            new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(Ready),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
            ResponseWriter = WriteJson
        }).AllowAnonymous().CacheOutput(cache);
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
            ResponseWriter = WriteJson
        }).AllowAnonymous().CacheOutput(cache);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    // descriptions and data only for a caller with a token; anyone else sees each check's status
    private static Task WriteJson(HttpContext http, HealthReport report)
    {
        var detailed = http.User.Identity?.IsAuthenticated == true;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = detailed ? e.Value.Description ?? e.Value.Exception?.Message : null,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                data = detailed && e.Value.Data.Count > 0 ? e.Value.Data : null
            })
        }, Json);
    }
}

internal sealed class BrokerProbe(Broker broker) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<IConnection> ConnectionAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _connection ??= await broker.ConnectAsync("marten-eventapp health", CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}

internal abstract class ReadingCheck(OperationsSnapshot snapshot) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(snapshot.Reading is { } reading ? Check(reading) : HealthCheckResult.Healthy("no reading yet"));

    protected abstract HealthCheckResult Check(StoreReading reading);
}

// rather than Marten's daemon health check, which counts events behind: a lag in seconds reads the same at any rate
internal sealed class ProjectionLagCheck(OperationsSnapshot snapshot,
    MonitoringOptions options) : ReadingCheck(snapshot)
{
    protected override HealthCheckResult Check(StoreReading reading)
    {
        var lagging = reading.Projections.Where(p => p.Lifecycle == "async"
            && p.LagSeconds > options.ProjectionLagDegraded.TotalSeconds).ToList();
        var data = reading.Projections.Where(p => p.Lifecycle == "async")
            .ToDictionary(p => p.Name, p => (object)new { p.State, p.LagEvents, p.LagSeconds });
        return lagging.Count == 0
            ? HealthCheckResult.Healthy("every async projection within " + options.ProjectionLagDegraded, data)
            : HealthCheckResult.Degraded($"behind by more than {options.ProjectionLagDegraded}: " +
                                         $"{string.Join(", ", lagging.Select(p => p.Name))}", data: data);
    }
}

internal sealed class DeadLettersCheck(OperationsSnapshot snapshot, MonitoringOptions options) : ReadingCheck(snapshot)
{
    protected override HealthCheckResult Check(StoreReading reading)
    {
        var data = new Dictionary<string, object> { ["count"] = reading.DeadLetters,
            ["threshold"] = options.DeadLettersDegraded };
        return reading.DeadLetters > options.DeadLettersDegraded
            ? HealthCheckResult.Degraded($"{reading.DeadLetters} dead letters " +
                                         $"(more than {options.DeadLettersDegraded})", data: data)
            : HealthCheckResult.Healthy($"{reading.DeadLetters} dead letters", data);
    }
}

internal sealed class SequencesCheck(OperationsSnapshot snapshot, MonitoringOptions options) : ReadingCheck(snapshot)
{
    protected override HealthCheckResult Check(StoreReading reading)
    {
        var events = reading.Parked.Sum(p => p.Events);
        var data = reading.Parked.ToDictionary(p => p.Consumer,
            p => (object)new { p.Sequences, p.Events, p.OldestSeconds });
        var said = $"{reading.Parked.Sum(p => p.Sequences)} sequences, {events} events parked behind dead letters";
        return events > options.ParkedEventsDegraded
            ? HealthCheckResult.Degraded($"{said} (more than {options.ParkedEventsDegraded})", data: data)
            : HealthCheckResult.Healthy(said, data);
    }
}

internal sealed class StuckSagasCheck(OperationsSnapshot snapshot) : ReadingCheck(snapshot)
{
    protected override HealthCheckResult Check(StoreReading reading)
    {
        var data = reading.StuckSagas.ToDictionary(s => s.Type, s => (object)s.Count);
        var stuck = reading.StuckSagas.Where(s => s.Count > 0).ToList();
        return stuck.Count == 0
            ? HealthCheckResult.Healthy("no saga stuck", data)
            : HealthCheckResult.Degraded("stuck (GET /api/sagas?stuck=true): " +
                                         string.Join(", ", stuck.Select(s => $"{s.Count} {s.Type}")), data: data);
    }
}

internal sealed class OutboxCheck(OperationsSnapshot snapshot, MonitoringOptions options) : ReadingCheck(snapshot)
{
    protected override HealthCheckResult Check(StoreReading reading)
    {
        var data = new Dictionary<string, object> { ["messages"] = reading.OutboxMessages,
            ["oldestSeconds"] = reading.OutboxOldestSeconds ?? 0 };
        return reading.OutboxOldestSeconds > options.OutboxAgeDegraded.TotalSeconds
            ? HealthCheckResult.Degraded($"a message has waited {reading.OutboxOldestSeconds:0} s in the outbox " +
                                         $"(more than {options.OutboxAgeDegraded})", data: data)
            : HealthCheckResult.Healthy($"{reading.OutboxMessages} messages waiting", data);
    }
}

// cached for callers without a token whatever the status: an outage's 503 too, so probes do not pile onto the outage
internal sealed class HealthAnswerCache(TimeSpan ttl) : IOutputCachePolicy
{
    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken ct)
    {
        var anonymous = context.HttpContext.User.Identity?.IsAuthenticated != true && ttl > TimeSpan.Zero;
        context.EnableOutputCaching = anonymous;
        context.AllowCacheLookup = anonymous;
        context.AllowCacheStorage = anonymous;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = ttl;
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken ct) => ValueTask.CompletedTask;
}
