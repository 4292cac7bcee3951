using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Sequences;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 6r: an operator's replay of one user's parked sequence in the activity log, timed from the request until the
// sequence is empty and every entry is recorded.
public sealed class SequenceReplay : IScenario
{
    public string Id => "6r";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("sequences"));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var size = context.Settings.SequenceEvents;
        var user = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var parked = Enumerable.Range(1, size).Select(version =>
        {
            var e = new EventEnvelope(Guid.CreateVersion7(), "UserProfileUpdated", user, version, 1,
                now.AddMilliseconds(version),
                JsonSerializer.SerializeToElement(new { updatedFields = new { firstName = $"Name{version}" },
                    previousValues = new { } }));
            return ParkedMessage.Of(UserActivityHandler.Queue, e, typeof(Users.ActivityEvent).FullName!, null, now);
        }).ToList();
        parked[0].Fail(new InvalidOperationException("the head that failed"), now);
        await store.BulkInsertAsync(parked, cancellation: ct);
        await context.SettleAsync(ct);

        var clock = Stopwatch.StartNew();
        await host.Services.GetRequiredService<IMessageBus>()
            .PublishAsync(new ReplaySequence(UserActivityHandler.Queue, user, PassFailedHead: true));
        long left;
        do
        {
            await Task.Delay(20, ct);
            await using var query = store.QuerySession();
            left = await query.Query<ParkedMessage>().CountAsync(p => p.Key == user, ct);
        } while (left > 0 && clock.Elapsed < TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;

        await using (var query = store.QuerySession())
        {
            var recorded = await query.Query<ActivityEntry>().CountAsync(a => a.UserId == user, ct);
            if (left > 0 || recorded != size)
                throw new InvalidOperationException(
                    $"{left} events still parked and {recorded} of {size} recorded after {elapsed}");
        }

        return
        [
            new ResultRow(Id,
                $"Sequence replay: {size:N0} parked events of one user run again through the activity log")
            {
                Rate = size / elapsed.TotalSeconds,
                Note = $"{size:N0} events in {elapsed.TotalSeconds:0.0} s, every one recorded, " +
                       "from the request until the sequence was empty"
            }
        ];
    }
}
