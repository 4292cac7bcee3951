using System.Diagnostics;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 9: user onboarding. Registers <see cref="BenchSettings.OnboardingUsers"/> users through the command path on a host
/// with onboarding on and waits until every saga has completed: sagas completed per second from the first write to
/// the last completion, and for each user the time from its registration to its <c>OnboardingCompleted</c>.
/// </summary>
public sealed class OnboardingThroughput : IScenario
{
    public string Id => "9";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("onboarding"), onboarding: true);
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var count = context.Settings.OnboardingUsers;
        await context.SettleAsync(ct);

        var began = Stopwatch.StartNew();
        var ids = await SeedUsers.RegisterAsync(bus, count, ct);
        var written = began.Elapsed;
        var deadline = TimeSpan.FromMinutes(15);
        while (true)
        {
            await using var session = store.QuerySession();
            var completed = await session.Query<UserOnboardingSaga>().CountAsync(s => s.Status == SagaStatus.Completed, ct);
            if (completed >= count) break;
            if (began.Elapsed > deadline) throw new TimeoutException($"{completed} of {count} onboardings completed within {deadline}");
            await Task.Delay(200, ct);
        }
        var elapsed = began.Elapsed;

        await using var query = store.QuerySession();
        var sagas = (await query.LoadManyAsync<UserOnboardingSaga>(ct, ids)).ToDictionary(s => s.Id);
        var users = await query.LoadManyAsync<UserDetails>(ct, ids);
        var latencies = new Latencies(users.Select(u => (sagas[u.Id].CompletedAt!.Value - u.RegistrationDate).TotalMilliseconds));
        return
        [
            new ResultRow(Id, $"Onboarding: {count:N0} registrations (8 writers) → every saga completed")
            {
                Rate = count / elapsed.TotalSeconds,
                P50Ms = latencies.P50,
                P99Ms = latencies.P99,
                Note = $"registration to OnboardingCompleted; written in {written.TotalSeconds:0.0} s, all completed after {elapsed.TotalSeconds:0.0} s"
            }
        ];
    }
}
