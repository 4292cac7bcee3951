using System.Reflection;
using JasperFx.Core;
using Marten.EventApp.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence.Durability.ScheduledMessageManagement;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Messaging;

// run against the Wolverine this build restores: an upgrade that moves a reach-in fails here, with the reason it
// exists, before it fails a saga or a metric
[Collection(MessagingCollection.Name)]
public sealed class when_wolverine_internals_are_used(MessagingFixture fixture) : MessagingTest(fixture)
{
    private IScheduledMessages Scheduled => Host.Services.GetRequiredService<IWolverineRuntime>()
        .Storage.ScheduledMessages;

    private async Task<bool> IsScheduledAsync(Guid id) =>
        (await Scheduled.QueryAsync(new ScheduledMessageQuery { MessageIds = [id] }, CancellationToken.None))
            .Messages.Any(m => m.Id == id);

    [Fact]
    public async Task a_timeout_scheduled_in_a_handler_is_known_by_its_id_and_cancelled_with_the_handlers_commit_only()
    {
        var probe = Guid.CreateVersion7();
        await Host.TrackActivity(Tracking.Patience).InvokeMessageAndWaitAsync(new ScheduleProbeTimeout(probe));
        var id = await Tracking.Eventually(async () =>
        {
            await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<ProbeTimeoutId>(probe);
        });
        Assert.True(await IsScheduledAsync(id.TimeoutId),
            "MessageBus.Outstanding no longer holds the scheduled envelope under the id it is stored with: " +
            "sagas cannot cancel their timeouts by id");

        await Assert.ThrowsAnyAsync<Exception>(() =>
            Host.InvokeMessageAndWaitAsync(new CancelProbeTimeout(id.TimeoutId, Fail: true)));
        Assert.True(await IsScheduledAsync(id.TimeoutId), "a cancellation must roll back with its transaction");

        await Host.TrackActivity(Tracking.Patience)
            .InvokeMessageAndWaitAsync(new CancelProbeTimeout(id.TimeoutId, Fail: false));
        Assert.False(await IsScheduledAsync(id.TimeoutId),
            $"no scheduled row deleted from {WolverineInternals.IncomingTable}: " +
            "Wolverine's inbox table or its status moved");
    }

    [Fact]
    public void the_fields_read_past_the_public_api_are_where_they_were()
    {
        Assert.True(typeof(MessageBus).GetProperty("Outstanding",
            BindingFlags.Public | BindingFlags.Instance) is not null,
            "MessageBus.Outstanding is gone: " +
            "WolverineInternals.ScheduledEnvelopeId needs another way to a scheduled envelope's id");
        Assert.True(typeof(Envelope).GetField("_metricHeaders",
            BindingFlags.NonPublic | BindingFlags.Instance) is not null,
            "Envelope._metricHeaders is gone: " +
            "consumers' metric tags would be added twice on a retry (WolverineInternals.MetricTags)");
        Assert.True(typeof(Envelope).GetProperty("Batch", BindingFlags.NonPublic | BindingFlags.Instance) is not null,
            "Envelope.Batch is gone: " +
            "a sequence cannot park a batch's events with their dead letters' ids (WolverineInternals.BatchMembers)");
        Assert.Null(WolverineInternals.BatchMembers(new Envelope(new ScheduleProbeTimeout(Guid.NewGuid()))));
        var envelope = new Envelope(new ScheduleProbeTimeout(Guid.NewGuid()));
        envelope.SetMetricsTag("probe", 1);
        Assert.Equal("probe", Assert.Single(WolverineInternals.MetricTags(envelope)!).Key);
    }
}

public sealed record ScheduleProbeTimeout(Guid ProbeId);

public sealed record ProbeTimeout(Guid ProbeId);

public sealed record CancelProbeTimeout(Guid TimeoutId, bool Fail);

public sealed record ProbeTimeoutId(Guid Id, Guid TimeoutId);

public static class ProbeTimeoutHandler
{
    public static async Task Handle(ScheduleProbeTimeout cmd, IDocumentSession session, IMessageContext context)
    {
        var timeout = new ProbeTimeout(cmd.ProbeId);
        await context.ScheduleAsync(timeout, 1.Hours());
        session.Store(new ProbeTimeoutId(cmd.ProbeId, WolverineInternals.ScheduledEnvelopeId(context, timeout)));
    }

    public static void Handle(CancelProbeTimeout cmd, IDocumentSession session)
    {
        WolverineInternals.CancelScheduled(session, [cmd.TimeoutId]);
        if (cmd.Fail) throw new InvalidOperationException("after the cancellation was queued");
    }

    public static void Handle(ProbeTimeout timeout)
    {
    }
}
