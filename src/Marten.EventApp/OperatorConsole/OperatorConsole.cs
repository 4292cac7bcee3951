using System.Collections.Concurrent;
using Marten.EventApp.Http;
using Marten.EventApp.Operations;
using Marten.EventApp.Projections;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Marten.EventApp.OperatorConsole;

public sealed record ConsolePoint(DateTimeOffset At, double EventsPerSecond, long RecentFailures,
    double OutboxOldestSeconds, long DeadLetters, long ParkedEvents, double MaxLagSeconds);

public sealed record SagaCount(string Type, string Status, long Count);

public sealed record ConsoleOverview(
    EventSystemHealth Health,
    DateTimeOffset? ReadAt,
    IReadOnlyList<SagaCount> Sagas,
    IReadOnlyList<SagaCount> StuckSagas,
    IReadOnlyList<ProjectionState> Projections,
    long OutboxMessages,
    double? OutboxOldestSeconds,
    long DeadLetters,
    IReadOnlyList<ParkedCount> Parked,
    IReadOnlyList<ConsolePoint> History);

public static class OperatorConsoleConfiguration
{
    public const string Path = "/console";

    public static WebApplicationBuilder AddOperatorConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConsoleHistory>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ConsoleHistory>());
        builder.Services.AddSingleton<BusQueues>();
        builder.Services.AddHttpClient(BusQueues.ManagementClient, c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(ConsoleOptions.From(builder.Configuration));
        builder.Services.AddSingleton<ConsoleAuthority>();
        return builder.AddEndpoints(Map);
    }

    private static void Map(IEndpointRouteBuilder app)
    {
        // the page holds no data: a browser's navigation carries no bearer token, so every figure it shows comes from
        // the admin API with the token the page keeps for its tab
        app.MapGet($"{Path}/{{file?}}", Asset).AllowAnonymous().ExcludeFromDescription();
        app.MapGet($"{Path}/sign-in", ConsoleAuthority.Get).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/admin/console/overview", Overview).WithTags("Console").WithName("GetConsoleOverview");
        app.MapGet("/api/admin/console/bus", (BusQueues bus, CancellationToken ct) => bus.ReadAsync(ct))
            .WithTags("Console").WithName("GetConsoleBus");
        app.MapGet("/api/admin/console/streams/{id:guid}", ConsoleStreams.Get).WithTags("Console")
            .WithName("GetConsoleStream").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/admin/console/streams/{id:guid}/state", ConsoleStreams.State).WithTags("Console")
            .WithName("GetConsoleStreamState").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    // embedded in the service's assembly, so whatever runs the dll (run.sh, tests, a published copy) serves the same
    private static readonly EmbeddedFileProvider Files = new(typeof(OperatorConsoleConfiguration).Assembly, "console");
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private static async Task<IResult> Asset(string? file, HttpContext http, ConsoleAuthority authority)
    {
        // the page's relative links need the folder's slash
        if (string.IsNullOrEmpty(file) && !http.Request.Path.Value!.EndsWith('/')) return Results.Redirect($"{Path}/");
        var found = Files.GetFileInfo(string.IsNullOrEmpty(file) ? "index.html" : file);
        if (!found.Exists || !ContentTypes.TryGetContentType(found.Name, out var contentType))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file in the console");
        var headers = http.Response.Headers;
        // a policy binds the document it comes with: only the page's needs the authority's origin
        var tokenOrigin = found.Name == "index.html" ? await authority.TokenOriginAsync(http.RequestAborted) : null;
        headers[HeaderNames.ContentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            $"connect-src 'self'{(tokenOrigin is null ? "" : " " + tokenOrigin)}; " +
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.CacheControl] = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Stream(found.CreateReadStream(), contentType, lastModified: found.LastModified);
    }

    internal static async Task<ConsoleOverview> Overview(EventMonitor monitor, HealthCheckService health,
        MonitoringOptions options, TimeProvider clock, OperationsSnapshot snapshot, ConsoleHistory history,
        CancellationToken ct)
    {
        var events = await OperationsSetup.Events(monitor, health, options, clock, ct);
        var reading = snapshot.Reading;
        return new ConsoleOverview(events, reading?.At,
            (reading?.Sagas ?? []).Select(s => new SagaCount(s.Type, s.Status.ToString(), s.Count)).ToList(),
            (reading?.StuckSagas ?? []).Select(s => new SagaCount(s.Type, "Stuck", s.Count)).ToList(),
            reading?.Projections ?? [], reading?.OutboxMessages ?? 0, reading?.OutboxOldestSeconds,
            reading?.DeadLetters ?? 0, reading?.Parked ?? [], history.Points());
    }
}

// The overview's charts: a point every few seconds for the last quarter of an hour, from the figures the metrics
// export (the processed counters and the store reading), kept in memory like the counters themselves
public sealed class ConsoleHistory(EventMonitor monitor, OperationsSnapshot snapshot, TimeProvider clock)
    : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Kept = TimeSpan.FromMinutes(15);
    // each point with the handlers' processed totals it was drawn from
    private readonly ConcurrentQueue<(ConsolePoint Point, Dictionary<string, long> ByHandler)> _samples = new();

    public IReadOnlyList<ConsolePoint> Points() => _samples.Select(s => s.Point).ToList();

    // each handler's events per second over the window (or as much of it as has been sampled)
    public IReadOnlyDictionary<string, double> HandledPerSecond(TimeSpan window)
    {
        var samples = _samples.ToArray();
        if (samples.Length < 2) return new Dictionary<string, double>();
        var last = samples[^1];
        var first = samples.First(s => last.Point.At - s.Point.At <= window);
        var seconds = (last.Point.At - first.Point.At).TotalSeconds;
        if (seconds <= 0) return new Dictionary<string, double>();
        return last.ByHandler.ToDictionary(h => h.Key,
            h => Math.Max(0, h.Value - first.ByHandler.GetValueOrDefault(h.Key)) / seconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, clock);
        do Sample();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal void Sample()
    {
        var now = clock.GetUtcNow();
        var byHandler = monitor.Processed().GroupBy(p => p.Handler).ToDictionary(g => g.Key, g => g.Sum(p => p.Count));
        var rate = _samples.LastOrDefault() is ({ } previous, { } before) && now > previous.At
            ? Math.Max(0, byHandler.Values.Sum() - before.Values.Sum()) / (now - previous.At).TotalSeconds
            : 0;
        var reading = snapshot.Reading;
        _samples.Enqueue((new ConsolePoint(now, Math.Round(rate, 1), monitor.Recent().Sum(r => (long)r.Count),
            reading?.OutboxOldestSeconds ?? 0, reading?.DeadLetters ?? 0,
            reading?.Parked.Sum(p => p.Events) ?? 0,
            reading?.Projections.Select(p => p.LagSeconds ?? 0).DefaultIfEmpty(0).Max() ?? 0), byHandler));
        while (_samples.TryPeek(out var oldest) && now - oldest.Point.At > Kept) _samples.TryDequeue(out _);
    }
}
