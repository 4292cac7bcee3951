using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Alba;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Onboarding;
using Marten.EventApp.OperatorConsole;
using Marten.EventApp.Operations;
using Marten.EventApp.Sagas;
using Marten.EventApp.Sequences;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Bench.Scenarios;

// 10: each console page's data, the page's requests sent together as the page sends them, over a store of a million
// events, a hundred thousand sagas and ten thousand dead letters. Server time: the requests run in process.
public sealed class ConsolePages : IScenario
{
    private static readonly string[] Steps = ["welcome_email", "preferences", "push_notification", "analytics"];

    public string Id => "10";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("console");
        var host = await context.ServiceHost(schema);
        try
        {
            var store = host.Services.GetRequiredService<IDocumentStore>();
            var coordinator = host.Services.GetRequiredService<IProjectionCoordinator>();
            var shards = coordinator.DaemonForMainDatabase().CurrentAgents().Select(a => a.Name.Identity)
                .Append(ShardState.HighWaterMark).ToArray();
            // the import stands for a history the projections and the bus have handled, not for a backlog: imported
            // with the daemon paused, then every shard's position set past it
            await coordinator.PauseAsync();
            var seeding = Stopwatch.StartNew();
            var users = context.Settings.ConsoleEvents / 4;
            await ProjectionRebuild.ImportAsync(store, users, ct);
            await using (var handled = context.DataSource.CreateCommand($"""
                insert into {schema}.mt_event_progression (name, last_seq_id)
                select name, (select max(seq_id) from {schema}.mt_events) from unnest(@shards) name
                on conflict (name) do update set last_seq_id = excluded.last_seq_id
                """))
            {
                handled.Parameters.AddWithValue("shards", shards);
                await handled.ExecuteNonQueryAsync(ct);
            }

            await coordinator.ResumeAsync();
            var (sagaId, stuck) = await SagasAsync(store, context.Settings.ConsoleSagas, ct);
            var letter = await DeadLettersAsync(host, context.Settings.ConsoleDeadLetters);
            await SequencesAsync(store, context.Settings.ConsoleDeadLetters / 10, ct);
            context.Log($"  seeded {users * 4:N0} events, {context.Settings.ConsoleSagas:N0} sagas " +
                        $"({stuck:N0} stuck) and {context.Settings.ConsoleDeadLetters:N0} dead letters " +
                        $"in {seeding.Elapsed.TotalSeconds:0.0} s");
            await using (var analyze = context.DataSource.CreateCommand($"analyze"))
                await analyze.ExecuteNonQueryAsync(ct);
            await ReadingAfterAsync(host, DateTimeOffset.UtcNow, ct);

            var userId = (await FirstUserAsync(context, schema, ct))!.Value;
            var middle = users * 2L;
            // as the pages ask: a page that needs several answers asks for them together
            var pages = new (string Name, string[] Paths)[]
            {
                ("overview", ["/api/admin/console/overview"]),
                ("streams", [$"/api/admin/console/streams/{userId}?limit=1000",
                    $"/api/admin/console/streams/{userId}/state?version=2"]),
                ("feed", [$"/api/events?fromPosition={middle}&batchSize=50"]),
                ("projections", ["/api/admin/projections"]),
                ("dead-letters", ["/api/admin/dead-letters/groups", "/api/admin/dead-letters/sequences?pageSize=50",
                    "/api/admin/dead-letters?pageSize=50"]),
                ("dead-letter", [$"/api/admin/dead-letters/{letter}"]),
                ("sagas", ["/api/sagas?pageSize=50"]),
                ("sagas-stuck", ["/api/sagas?stuck=true&pageSize=50"]),
                ("sagas-failed", ["/api/sagas?status=Failed&pageSize=50"]),
                ("saga", [$"/api/sagas/{sagaId}"]),
                ("bus", ["/api/admin/console/bus"])
            };
            using var http = host.Server.CreateClient();
            http.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Bearer", ServiceProcess.AdminToken);
            var rows = new List<ResultRow>();
            foreach (var (name, paths) in pages)
            {
                var asked = paths.Length == 1 ? "1 request" : $"{paths.Length} requests together";
                rows.Add(await PageRowAsync(new ResultRow($"{Id}.{name}", $"Console: the {name} page's data ({asked})"),
                    http, paths, context, $"{users * 4:N0} events, {context.Settings.ConsoleSagas:N0} sagas, " +
                                          $"{context.Settings.ConsoleDeadLetters:N0} dead letters", ct));
            }

            rows.Add(await BusOnBrokerAsync(context, ct));
            return rows;
        }
        finally
        {
            await context.DisposeHostAsync(schema);
        }
    }

    // the bus page of a service on RabbitMQ: its management API when the environment names it (bench.sh does), else a
    // passive declare per queue
    private async Task<ResultRow> BusOnBrokerAsync(BenchContext context, CancellationToken ct)
    {
        var row = new ResultRow($"{Id}.bus-rabbitmq", "Console: the bus page's data on RabbitMQ (1 request)");
        if (context.Settings.RabbitMq is null) return row with { Note = "not run: no RabbitMQ" };
        var schema = context.Schema("console_bus");
        var host = await context.ServiceHost(schema, $"console-{Guid.NewGuid():N}"[..16]);
        try
        {
            using var http = host.Server.CreateClient();
            http.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Bearer", ServiceProcess.AdminToken);
            var bus = (await http.GetFromJsonAsync<BusOverview>("/api/admin/console/bus", ct))!;
            var measured = await PageRowAsync(row, http, ["/api/admin/console/bus"], context,
                $"read through {bus.Source}, {bus.Queues.Count} queues", ct);
            // a queue the page could not read is an error of the row, though the page answered
            return measured with { Errors = measured.Errors + bus.Queues.Count(q => q.Error is not null) };
        }
        finally
        {
            await context.DisposeHostAsync(schema);
        }
    }

    private static async Task<ResultRow> PageRowAsync(ResultRow row, HttpClient http, string[] paths,
        BenchContext context, string note, CancellationToken ct)
    {
        var (times, errors) = await MeasureAsync(http, paths, context.Settings.Samples, ct);
        var latencies = new Latencies(times);
        return row with
        {
            P50Ms = latencies.P50, P99Ms = latencies.P99, Errors = errors, Targets = [Target.P99AtMost(300)],
            Note = $"{note}; {latencies.Count} loads"
        };
    }

    // the page's requests together; a failed one counts as an error of the row
    private static async Task<(List<double> Times, long Errors)> MeasureAsync(HttpClient http, string[] paths,
        int samples, CancellationToken ct)
    {
        var times = new List<double>(samples);
        long errors = 0;
        for (var i = 0; i < samples * 2; i++)
        {
            var clock = Stopwatch.StartNew();
            var answers = await Task.WhenAll(paths.Select(async path =>
            {
                using var response = await http.GetAsync(path, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                return response.IsSuccessStatusCode;
            }));
            // the first half warms up
            if (i < samples) continue;
            times.Add(clock.Elapsed.TotalMilliseconds);
            errors += answers.Count(ok => !ok);
        }

        return (times, errors);
    }

    // most completed, some failed, a few started long ago with no timeout pending: stuck
    private static async Task<(Guid Id, int Stuck)> SagasAsync(IDocumentStore store, int count, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var sagas = new List<UserOnboardingSaga>(count);
        var stuck = 0;
        for (var i = 0; i < count; i++)
        {
            var started = now.AddMinutes(-i);
            var status = (i % 50) switch
            {
                0 => SagaStatus.Started, < 5 => SagaStatus.Failed, _ => SagaStatus.Completed
            };
            if (status == SagaStatus.Started && i > 0) stuck++;
            sagas.Add(new UserOnboardingSaga
            {
                Id = Guid.CreateVersion7(), Status = status, StartedAt = started,
                CompletedAt = status == SagaStatus.Completed ? started.AddSeconds(2) : null,
                FailedAt = status == SagaStatus.Failed ? started.AddSeconds(2) : null,
                Error = status == SagaStatus.Failed ? "push: the push service did not answer" : null,
                Steps = Steps.Select(step => new SagaStep
                {
                    Name = step, Status = StepStatus.Done, StartedAt = started, DoneAt = started.AddSeconds(1)
                }).ToList(),
                Timeline = [new SagaTimelineEntry(started, "OnboardingStarted", ""),
                    new SagaTimelineEntry(started.AddSeconds(2), "OnboardingCompleted", "")]
            });
        }

        await store.BulkInsertAsync(sagas, batchSize: 5_000, cancellation: ct);
        return (sagas[count / 2].Id, stuck);
    }

    // as consumers leave them, through Wolverine's own store; a handful of failure kinds, so a handful of groups
    private static async Task<Guid> DeadLettersAsync(IAlbaHost host, int count)
    {
        var runtime = host.Services.GetRequiredService<IWolverineRuntime>();
        Exception[] failures =
        [
            new TimeoutException("the email service did not answer"), new InvalidOperationException("bad state"),
            new ArgumentException("updatedFields is required"), new HttpRequestException("503 from payments"),
            new FormatException("not the seed's envelope")
        ];
        var first = Guid.Empty;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) =>
            {
                var envelope = new Envelope(new OnboardingOperatorNote(Guid.CreateVersion7(), $"note {i}"))
                {
                    Destination = new Uri($"local://{OnboardingConfiguration.SagaQueue}"),
                    ContentType = "application/json", Serializer = runtime.Options.DefaultSerializer,
                    MessageType = typeof(OnboardingOperatorNote).FullName
                };
                if (i == 0) first = envelope.Id;
                await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(envelope, failures[i % failures.Length]);
            });
        return first;
    }

    // each a head that failed and two events waiting behind it
    private static async Task SequencesAsync(IDocumentStore store, int sequences, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var parked = new List<ParkedMessage>(sequences * 3);
        for (var s = 0; s < sequences; s++)
        {
            var key = Guid.CreateVersion7();
            for (var position = 1; position <= 3; position++)
            {
                var eventId = Guid.CreateVersion7();
                parked.Add(new ParkedMessage
                {
                    Id = ParkedMessage.IdOf(UserActivityHandler.Queue, eventId),
                    Consumer = UserActivityHandler.Queue, Key = key, Position = position,
                    ParkedAt = now, EventId = eventId, EventType = "UserProfileUpdated", MessageType = "ActivityEvent",
                    Body = "{}", DeadLetterId = position == 1 ? Guid.CreateVersion7() : null,
                    ExceptionType = position == 1 ? "System.ArgumentException" : null,
                    ExceptionMessage = position == 1 ? "updatedFields is required" : null,
                    FailedAt = position == 1 ? now : null
                });
            }
        }

        await store.BulkInsertAsync(parked, batchSize: 5_000, cancellation: ct);
    }

    // the overview serves the background reading: wait for one taken after the seeding
    private static async Task ReadingAfterAsync(IAlbaHost host, DateTimeOffset seeded, CancellationToken ct)
    {
        var snapshot = host.Services.GetRequiredService<OperationsSnapshot>();
        var deadline = Stopwatch.StartNew();
        while (snapshot.Reading is not { } reading || reading.At < seeded)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException("no store reading after the seeding within two minutes");
            await Task.Delay(200, ct);
        }
    }

    private static async Task<Guid?> FirstUserAsync(BenchContext context, string schema, CancellationToken ct)
    {
        await using var command = context.DataSource.CreateCommand(
            $"select id from {schema}.mt_streams where type = 'user_details' limit 1");
        return (Guid?)await command.ExecuteScalarAsync(ct);
    }
}
