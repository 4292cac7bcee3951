using System.Linq.Expressions;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Persistence.Durability.ScheduledMessageManagement;
using Wolverine.Runtime;

namespace Marten.EventApp.Sagas;

// The seed's SagaMonitoringService, reading the stored sagas rather than memory. Operators act through messages the
// saga handles, so its own concurrency check and timeline cover them.
public sealed record MonitoredSaga(
    string Type,
    Func<IQuerySession, Guid, CancellationToken, Task<TrackedSaga?>> Load,
    Func<IQuerySession, SagaStatus?, int, CancellationToken,
        Task<(IReadOnlyList<TrackedSaga> Newest, long Total)>> Newest,
    Func<Guid, string, object> ForceCompensation,
    Func<Guid, string, object> OperatorNote,
    Func<IQuerySession, DateTimeOffset, CancellationToken,
        Task<(IReadOnlyList<(SagaStatus Status, long Count)> ByStatus, long Stuck)>> Count,
    Func<IQuerySession, DateTimeOffset, int, CancellationToken,
        Task<(IReadOnlyList<TrackedSaga> Newest, long Total)>> Stuck);

public sealed record SagaSummary(Guid Id, string Type, SagaStatus Status, DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? FailedAt, string? Error);

public sealed record SagaPage(IReadOnlyList<SagaSummary> Sagas, long Total, int Page, int PageSize);

public sealed record PendingTimeout(Guid Id, string Step, StepStatus StepStatus, string? MessageType,
    DateTimeOffset? DueAt);

public sealed record SagaDetails(Guid Id, string Type, SagaStatus Status, DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? FailedAt, string? Error, int Version, IReadOnlyList<SagaStep> Steps,
    IReadOnlyList<PendingTimeout> PendingTimeouts,
    IReadOnlyList<SagaTimelineEntry> Timeline);

public sealed record ForceCompensationRequest(string? Reason);

public sealed record SagaAction(Guid SagaId, string Action, DateTimeOffset At);

public static class SagaMonitoring
{
    public static WebApplicationBuilder AddSagaMonitoring(this WebApplicationBuilder builder) =>
        builder.AddEndpoints(Map);

    public const int MaxPageSize = 100;
    public const int MaxPage = 100;

    // Started longer ago than stuckAfter (its longest timeout) with no timeout pending: nothing is left to move it.
    public static WebApplicationBuilder MonitorSaga<TSaga>(this WebApplicationBuilder builder, string type,
        Func<Guid, string, object> forceCompensation, Func<Guid, string, object> operatorNote, TimeSpan stuckAfter)
        where TSaga : TrackedSaga
    {
        // the listing's order and filter, and the gauges' counts by status every PollInterval: sagas are never
        // deleted, so a scan would grow with them
        builder.Services.ConfigureMarten(opts => opts.Schema.For<TSaga>().Index(x => x.StartedAt).Index(x => x.Status));
        builder.Services.AddSingleton(new MonitoredSaga(type,
            async (session, id, ct) => await session.LoadAsync<TSaga>(id, ct),
            (session, status, take, ct) => NewestAsync<TSaga>(session,
                status is { } s ? x => x.Status == s : null, take, ct),
            forceCompensation, operatorNote,
            async (session, now, ct) =>
            {
                var batch = session.CreateBatchQuery();
                var counts = Enum.GetValues<SagaStatus>()
                    .Select(s => (s, batch.Query<TSaga>().Where(x => x.Status == s).Count())).ToList();
                var stuck = batch.Query<TSaga>().Where(StuckAt<TSaga>(now - stuckAfter)).Count();
                await batch.Execute(ct);
                return (counts.Select(c => (c.s, c.Item2.Result)).ToList(), await stuck);
            },
            (session, now, take, ct) => NewestAsync(session, StuckAt<TSaga>(now - stuckAfter), take, ct)));
        return builder;
    }

    // the page and its count in one round trip, the count apart: a window count over the page's query reads every
    // matching document (BENCHMARKS.md, row 10)
    private static async Task<(IReadOnlyList<TrackedSaga> Newest, long Total)> NewestAsync<TSaga>(
        IQuerySession session, Expression<Func<TSaga, bool>>? filter, int take, CancellationToken ct)
        where TSaga : TrackedSaga
    {
        var batch = session.CreateBatchQuery();
        Marten.Services.BatchQuerying.IBatchedQueryable<TSaga> Matching() =>
            filter is null ? batch.Query<TSaga>() : batch.Query<TSaga>().Where(filter);
        var newest = Matching().OrderByDescending(x => x.StartedAt).Take(take).ToList();
        var total = Matching().Count();
        await batch.Execute(ct);
        return (await newest, await total);
    }

    private static Expression<Func<TSaga, bool>> StuckAt<TSaga>(DateTimeOffset startedBefore)
        where TSaga : TrackedSaga =>
        x => x.Status == SagaStatus.Started && x.StartedAt < startedBefore && !x.Steps.Any(s => s.TimeoutId != null);

    public static void Map(IEndpointRouteBuilder app)
    {
        var sagas = app.MapGroup("/api/sagas").WithTags("Sagas");
        sagas.MapGet("", List).WithName("ListSagas").RequireScope(Scopes.OperationsRead, anyOwner: true)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        sagas.MapGet("/{id:guid}", Get).WithName("GetSaga").RequireScope(Scopes.OperationsRead, anyOwner: true)
            .ProducesProblem(StatusCodes.Status404NotFound);
        var admin = app.MapGroup("/api/admin/sagas").WithTags("Sagas");
        admin.MapPost("/{id:guid}/timeouts/{timeoutId:guid}/fire", FireTimeout).WithName("FireSagaTimeout")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/{id:guid}/compensate", Compensate).WithName("CompensateSaga")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Ok<SagaPage>, ProblemHttpResult>> List(string? type,
        [FromQuery(Name = "status")] string? statusName, bool? stuck, int? page, int? pageSize,
        IEnumerable<MonitoredSaga> monitored, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        if (!Problems.TryQueryEnum<SagaStatus>(statusName, "status", out var status, out var badStatus))
            return badStatus;
        if (page is < 1 or > MaxPage) return Problems.BadQuery($"page must be between 1 and {MaxPage}.");
        if (pageSize is < 1 or > MaxPageSize)
            return Problems.BadQuery($"pageSize must be between 1 and {MaxPageSize}.");
        if (stuck == true && status is not null and not SagaStatus.Started)
            return Problems.BadQuery("A stuck saga is Started: leave status out.");
        var types = monitored.Where(m => type is null
            || string.Equals(m.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();
        if (types.Count == 0)
            return Problems.BadQuery($"type must be one of {string.Join(", ", monitored.Select(m => m.Type))}.");

        var (number, size) = (page ?? 1, pageSize ?? 20);
        var summaries = new List<SagaSummary>();
        long total = 0;
        foreach (var m in types)
        {
            // each type's newest up to the end of the page, merged: pages stay shallow (MaxPage)
            var (newest, count) = stuck == true
                ? await m.Stuck(session, clock.GetUtcNow(), number * size, ct)
                : await m.Newest(session, status, number * size, ct);
            total += count;
            summaries.AddRange(newest.Select(s =>
                new SagaSummary(s.Id, m.Type, s.Status, s.StartedAt, s.CompletedAt, s.FailedAt, s.Error)));
        }

        var onPage = summaries.OrderByDescending(s => s.StartedAt).ThenBy(s => s.Id).Skip((number - 1) * size)
            .Take(size).ToList();
        return TypedResults.Ok(new SagaPage(onPage, total, number, size));
    }

    private static async Task<Results<Ok<SagaDetails>, ProblemHttpResult>> Get(Guid id,
        IEnumerable<MonitoredSaga> monitored,
        IQuerySession session, IWolverineRuntime wolverine, CancellationToken ct)
    {
        if (await FindAsync(id, monitored, session, ct) is not var (m, saga)) return NotFound();

        var pending = await PendingTimeoutsAsync(saga, wolverine, ct);
        return TypedResults.Ok(new SagaDetails(saga.Id, m.Type, saga.Status, saga.StartedAt, saga.CompletedAt,
            saga.FailedAt, saga.Error,
            saga.Version, saga.Steps, pending, saga.Timeline));
    }

    // rescheduled to now, the durable message becomes due at once on whichever node
    private static async Task<Results<Accepted<SagaAction>, ProblemHttpResult>> FireTimeout(Guid id, Guid timeoutId,
        IEnumerable<MonitoredSaga> monitored, IQuerySession session, IWolverineRuntime wolverine, IMessageBus bus,
        TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        if (await FindAsync(id, monitored, session, ct) is not var (m, saga)) return NotFound();
        if ((await PendingTimeoutsAsync(saga, wolverine, ct)).FirstOrDefault(t => t.Id == timeoutId) is not { } timeout)
            return TypedResults.Problem(Rejection.NotFound("Pending timeout").ToProblem());

        var now = clock.GetUtcNow();
        await wolverine.Storage.ScheduledMessages.RescheduleAsync(timeoutId, now, ct);
        await bus.PublishAsync(m.OperatorNote(id,
            $"operator fired the {timeout.Step} timeout now (was due {timeout.DueAt:O}; " +
            $"by {http.User.Identity?.Name})"));
        return TypedResults.Accepted($"/api/sagas/{id}", new SagaAction(id, "fire-timeout", now));
    }

    private static async Task<Results<Accepted<SagaAction>, ProblemHttpResult>> Compensate(Guid id,
        ForceCompensationRequest body,
        IEnumerable<MonitoredSaga> monitored, IQuerySession session, IMessageBus bus, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Trim().Length > 500)
            return Problems.BadQuery("reason is required, at most 500 characters.");
        if (await FindAsync(id, monitored, session, ct) is not var (m, saga)) return NotFound();
        if (saga.IsFinished)
            return TypedResults.Problem(Rejection.Conflict($"The saga is already {saga.Status}").ToProblem());

        await bus.PublishAsync(m.OperatorNote(id, $"operator {http.User.Identity?.Name} forced compensation"));
        await bus.PublishAsync(m.ForceCompensation(id, body.Reason.Trim()));
        return TypedResults.Accepted($"/api/sagas/{id}", new SagaAction(id, "compensate", clock.GetUtcNow()));
    }

    private static async Task<(MonitoredSaga, TrackedSaga)?> FindAsync(Guid id, IEnumerable<MonitoredSaga> monitored,
        IQuerySession session, CancellationToken ct)
    {
        foreach (var m in monitored)
            if (await m.Load(session, id, ct) is { } saga) return (m, saga);
        return null;
    }

    // read by their ids and never by an empty list, which the store takes as every timeout
    private static async Task<IReadOnlyList<PendingTimeout>> PendingTimeoutsAsync(TrackedSaga saga,
        IWolverineRuntime wolverine, CancellationToken ct)
    {
        var steps = saga.Steps.Where(s => s.TimeoutId is not null).ToDictionary(s => s.TimeoutId!.Value);
        if (steps.Count == 0) return [];
        var found = await wolverine.Storage.ScheduledMessages.QueryAsync(
            new ScheduledMessageQuery { MessageIds = steps.Keys.ToArray(), PageSize = 0 }, ct);
        return found.Messages.Where(m => steps.ContainsKey(m.Id)).OrderBy(m => m.ScheduledTime)
            .Select(m => new PendingTimeout(m.Id, steps[m.Id].Name, steps[m.Id].Status, m.MessageType, m.ScheduledTime))
                .ToList();
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(Rejection.NotFound("Saga").ToProblem());
}
