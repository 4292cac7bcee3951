using Alba;
using JasperFx.Core;
using Wolverine;
using Wolverine.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests;

/// <summary>HTTP scenarios and messages whose cascades (local queues, scheduled messages) are awaited, not slept
/// on.</summary>
public static class Tracking
{
    public static TimeSpan Patience { get; } = 30.Seconds();

    /// <summary>Runs an Alba scenario and waits until every message it caused has been handled.</summary>
    public static async Task<(ITrackedSession Tracked, IScenarioResult Result)> TrackedScenario(
        this IAlbaHost host, Action<Scenario> configure)
    {
        IScenarioResult? result = null;
        var tracked = await host.TrackActivity(Patience)
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ => result = await host.Scenario(configure)));
        return (tracked, result!);
    }

    /// <summary>Sends a one-way message as another service would and waits until it and its cascades are
    /// handled.</summary>
    public static Task<ITrackedSession> SentAndHandled(this IAlbaHost host, object message) =>
        host.TrackActivity(Patience).SendMessageAndWaitAsync(message);

    /// <summary>
    /// Polls a condition until it holds, for what no tracking sees (a consumer of the broker, the durability agent's
    /// replay); fails after <paramref name="patience"/> (30 s unless given).
    /// </summary>
    public static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan? patience = null) where T : class
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the condition did not hold within {patience ?? Patience}");
            await Task.Delay(100);
        }
    }

    /// <summary>The stored saga once <paramref name="condition"/> holds; on a timeout the message shows the saga as
    /// last read.</summary>
    public static async Task<TSaga> SagaWhen<TSaga>(this IAlbaHost host, Guid id, Func<TSaga, bool> condition,
        TimeSpan? patience = null)
        where TSaga : Marten.EventApp.Sagas.TrackedSaga
    {
        TSaga? last = null;
        try
        {
            return await Eventually(async () =>
            {
                await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
                last = await session.LoadAsync<TSaga>(id);
                return last is not null && condition(last) ? last : null;
            }, patience);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; the saga: {System.Text.Json.JsonSerializer.Serialize(last)}", e);
        }
    }
}
