using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 4b: the UserDetails read model by id, one query session per load, as GET /api/users/{id} does
public sealed class ReadModelLoad : IScenario
{
    public string Id => "4b";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("app"));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var users = await SeedUsers.RegisterAsync(host.Services.GetRequiredService<IMessageBus>(),
            context.Settings.ReadModelUsers, ct);

        await context.SettleAsync(ct);
        var samples = context.Settings.Samples * 10;
        var latencies = await Load.SequentialAsync(samples, async i =>
        {
            await using var session = store.QuerySession();
            _ = await session.LoadAsync<UserDetails>(users[i % users.Count], ct)
                ?? throw new InvalidOperationException("user missing");
        });

        return
        [
            new ResultRow(Id, "Read model load by id (UserDetails)")
            {
                P50Ms = latencies.P50, P99Ms = latencies.P99,
                Note = $"{latencies.Count} loads over {users.Count:N0} users",
                Targets = [Target.P99AtMost(2)]
            }
        ];
    }
}
