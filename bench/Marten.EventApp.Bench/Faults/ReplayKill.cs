using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Users;
using RabbitMQ.Client;

namespace Marten.EventApp.Bench.Faults;

// F6: an ordered replay killed with kill -9: a poison event heads one user's sequence with their PATCHes parked
// behind it, an operator discards the head and the service is killed while the rest run. Afterwards every update must
// have its entry, written in version order, and the sequence must be empty.
public sealed class ReplayKill : IScenario
{
    public string Id => "F6";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        // small chunks: the replay takes long enough for a kill to land in it
        var (updates, rounds, chunk) = smoke ? (150, 1, 2) : (3_000, 2, 10);
        var name = $"kill -9 of the service during an ordered replay ({updates:N0} events of one user parked behind " +
                   $"a dead letter in the activity log, run again in chunks of {chunk}), {rounds} round(s), then " +
                   "recovery";
        if (await FaultChecks.SetUpAsync(context, "fault_replay", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];
        var (schema, settings, probe) = setup;
        settings["EventApp__EventBus__BatchSize"] = chunk.ToString();
        var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        try
        {
            using var http = service.Client();
            var user = Guid.CreateVersion7();
            var registered = await http.PostAsJsonAsync("/api/users",
                new { id = user, email = $"replay-{user:N}@example.com", firstName = "Replay", lastName = "Kill" }, ct);
            Expect(registered, HttpStatusCode.Created, service);
            await UntilAsync(context, $"select count(*) from {schema}.mt_doc_activityentry where id = (select id " +
                                      $"from {schema}.mt_events where stream_id = '{user}' and version = 1)",
                n => n == 1, ct);

            await PublishPoisonAsync(context.Settings.RabbitMq!, settings["EventApp__EventBus__Exchange"], user, ct);
            var parked = $"select count(*) from {schema}.mt_doc_parkedmessage where key = '{user}'";
            await UntilAsync(context, parked + " and data ->> 'failedAt' is not null", n => n == 1, ct);
            for (var i = 1; i <= updates; i++)
            {
                using var patch = await http.PatchAsJsonAsync($"/api/users/{user}", new { firstName = $"Name{i}" }, ct);
                Expect(patch, HttpStatusCode.OK, service);
            }

            await UntilAsync(context, parked, n => n == updates + 1, ct);
            using (var discard = await http.PostAsync(
                       $"/api/admin/dead-letters/sequences/{UserActivityHandler.Queue}/{user}/discard-head", null, ct))
                Expect(discard, HttpStatusCode.OK, service);

            var kills = new List<string>();
            for (var round = 1; round <= rounds; round++)
            {
                var below = updates * (rounds + 1 - round) / (rounds + 1);
                var left = await UntilAsync(context, parked, n => n <= below, ct, TimeSpan.FromMilliseconds(10));
                await service.KillAsync();
                await service.DisposeAsync();
                kills.Add(left == 0 ? "after the replay ended" : $"{left:N0} left");
                context.Log($"  round {round}: killed with {left:N0} of {updates:N0} events still parked");
                service = await ServiceProcess.StartAsync(context, schema, ct, settings);
            }

            var recovery = Stopwatch.StartNew();
            await UntilAsync(context, parked, n => n == 0, ct);
            var emptied = recovery.Elapsed;
            var settling = await FaultChecks.SettleAsync(context, schema, ct);
            var stream = $"from {schema}.mt_events e where e.stream_id = '{user}' and e.version > 1";
            var stored = await Pipeline.CountAsync(context, $"select count(*) {stream}", ct);
            var lost = await Pipeline.CountAsync(context,
                $"select count(*) {stream} and not exists " +
                $"(select 1 from {schema}.mt_doc_activityentry a where a.id = e.id)", ct);
            // each chunk commits after the one before it: an entry written before an earlier version's is out of order
            var reordered = await Pipeline.CountAsync(context, $"""
                select count(*) from (
                  select a.mt_last_modified < lag(a.mt_last_modified) over (order by e.version) as back
                  from {schema}.mt_events e join {schema}.mt_doc_activityentry a on a.id = e.id
                  where e.stream_id = '{user}' and e.version > 1) s
                where back
                """, ct);
            await probe.DrainAsync(TimeSpan.FromSeconds(1), ct);
            var landed = kills.All(k => k != "after the replay ended");
            return
            [
                new ResultRow(Id, name)
                {
                    Targets = [new("0 lost, 0 out of order, the sequence emptied; each kill during the replay",
                        (_, _) => lost == 0 && reordered == 0 && stored == updates && landed)],
                    Errors = settling.Errors,
                    Note = $"{stored:N0} updates stored, {lost} without their entry, {reordered} entries written " +
                           $"before an earlier version's; killed with {string.Join(", then ", kills)}; the sequence " +
                           $"empty {emptied.TotalSeconds:0.0} s after the last restart was healthy; " +
                           settling.Note("it emptied")
                }
            ];
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, ServiceProcess service)
    {
        if (response.StatusCode != status)
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} " +
                                           $"answered {(int)response.StatusCode}, not {(int)status}:\n" +
                                           service.RecentOutput);
    }

    private static async Task<long> UntilAsync(BenchContext context, string sql, Func<long, bool> done,
        CancellationToken ct, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var count = await Pipeline.CountAsync(context, sql, ct);
            if (done(count)) return count;
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"after two minutes, {count} from: {sql}");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100), ct);
        }
    }

    // no updated fields: the activity log cannot read it
    private static async Task PublishPoisonAsync(Uri broker, string exchange, Guid user, CancellationToken ct)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        var body = $$"""
            {"eventId":"{{Guid.CreateVersion7()}}","eventType":"UserProfileUpdated","aggregateId":"{{user}}",
             "aggregateVersion":2,"eventVersion":1,"occurredOn":"{{DateTimeOffset.UtcNow:O}}","eventData":{} }
            """;
        var props = new BasicProperties
        {
            ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.CreateVersion7().ToString(), Type = "UserProfileUpdated"
        };
        await channel.BasicPublishAsync(exchange, $"UserProfileUpdated.{user}", mandatory: false, props,
            Encoding.UTF8.GetBytes(body), ct);
    }
}
