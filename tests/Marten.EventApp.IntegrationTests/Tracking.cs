using Alba;
using JasperFx.Core;
using Wolverine;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests;

/// <summary>HTTP scenarios and messages whose cascades (local queues, scheduled messages) are awaited, not slept on.</summary>
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

    /// <summary>Sends a one-way message as another service would and waits until it and its cascades are handled.</summary>
    public static Task<ITrackedSession> SentAndHandled(this IAlbaHost host, object message) =>
        host.TrackActivity(Patience).SendMessageAndWaitAsync(message);
}
