using Marten.EventApp.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Messaging;

// a command of this test assembly, since no feature sends messages from a decision yet
[Collection(MessagingCollection.Name)]
public sealed class when_a_decision_sends_messages(MessagingFixture fixture) : MessagingTest(fixture)
{
    [Fact]
    public async Task the_messages_are_sent_once_the_events_commit()
    {
        var id = Guid.CreateVersion7();

        var tracked = await Host.TrackActivity(Tracking.Patience).InvokeMessageAndWaitAsync(new StartProbe(id));

        Assert.Equal(id, Assert.Single(tracked.Executed.MessagesOf<ProbeStarted>()).ProbeId);
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(1, (await session.Events.FetchStreamStateAsync(id))?.Version);
    }

    [Fact]
    public async Task a_refusal_by_the_store_sends_none_of_them()
    {
        var id = Guid.CreateVersion7();
        await Host.TrackActivity(Tracking.Patience).InvokeMessageAndWaitAsync(new StartProbe(id));

        var again = await Host.TrackActivity(Tracking.Patience).ExecuteAndWaitAsync(
            (Func<IMessageContext, Task>)(async _ =>
                Assert.NotNull(
                    (await Bus.InvokeAsync<Contracts.Commands.CommandOutcome>(new StartProbe(id))).Rejection)));

        Assert.Empty(again.Sent.MessagesOf<ProbeStarted>());
        Assert.Empty(again.Executed.MessagesOf<ProbeStarted>());
    }
}

public sealed record StartProbe(Guid ProbeId);

public sealed record ProbeOpened(Guid ProbeId);

public sealed record ProbeStarted(Guid ProbeId);

public sealed class Probe
{
    public Guid Id { get; set; }
}

public static class StartProbeHandler
{
    public static Task Handle(StartProbe cmd, IDocumentSession session, IMessageContext context,
        StreamCommands commands, CancellationToken ct) =>
        commands.StartAsync<Probe>(session, context, cmd.ProbeId,
            Decision.Accept(new ProbeOpened(cmd.ProbeId)).AndSend(new ProbeStarted(cmd.ProbeId)), ct);
}

public static class ProbeStartedHandler
{
    public static void Handle(ProbeStarted _)
    {
    }
}
