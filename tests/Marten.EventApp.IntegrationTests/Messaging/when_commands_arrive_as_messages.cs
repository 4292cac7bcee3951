using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Messaging;
using Marten.EventApp.Users;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Messaging;

// the outcome is the same value HTTP turns into a status code; one-way messages leave nothing behind
[Collection(MessagingCollection.Name)]
public sealed class when_commands_arrive_as_messages(MessagingFixture fixture) : MessagingTest(fixture)
{
    private static DeliveryOptions WithCommandId(string key) => new DeliveryOptions()
        .WithHeader(StreamCommands.CommandIdHeader, key);

    private static RegisterUser Registration(string? email = null) =>
        new(Guid.CreateVersion7(), email ?? UserScenarios.UniqueEmail(), "Mes", "Sage", "queue");

    [Fact]
    public async Task a_one_way_command_takes_effect_and_sends_nothing_back()
    {
        var user = await Host.RegisteredUser();

        var tracked = await Host.SentAndHandled(new DeactivateUser(user.Id, "left", "ops"));

        Assert.Single(tracked.Executed.MessagesOf<DeactivateUser>());
        Assert.Empty(tracked.NoRoutes.Envelopes());
        Assert.Empty(tracked.Sent.MessagesOf<CommandOutcome>());
        var details = await Host.UserDetails(user.Id);
        Assert.Equal((false, "left", 2L), (details.IsActive, details.DeactivationReason, details.Version));
    }

    [Fact]
    public async Task an_http_command_gets_its_outcome_as_a_status_code_and_no_message()
    {
        var (tracked, result) = await Host.TrackedScenario(x =>
        {
            x.Post.Json(new { email = UserScenarios.UniqueEmail(), firstName = "Ht", lastName = "Tp" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });

        Assert.Single(tracked.Executed.MessagesOf<RegisterUser>());
        Assert.Empty(tracked.Sent.MessagesOf<CommandOutcome>());
        Assert.Empty(tracked.NoRoutes.Envelopes());
        Assert.Equal(1, (await result.ReadAsJsonAsync<UserVersion>())!.Version);
    }

    [Fact]
    public async Task a_refused_one_way_command_is_handled_without_error_and_announced_as_command_rejected()
    {
        var taken = UserScenarios.UniqueEmail("taken");
        await Host.RegisteredUser(taken);
        var refused = Registration(taken.ToUpperInvariant());

        // tracking fails the test on any exception in a handler; nothing goes to the dead letters
        var tracked = await Host.SentAndHandled(refused);

        Assert.Single(tracked.Executed.MessagesOf<RegisterUser>());
        Assert.Empty(tracked.NoRoutes.Envelopes());
        Assert.Empty(tracked.MovedToErrorQueue.Envelopes());
        Assert.Empty(tracked.Sent.MessagesOf<CommandOutcome>());
        // the sender learns it from the bus instead (one event, sent to each consumer's queue)
        var rejected = Assert.Single(tracked.Sent.MessagesOf<EventEnvelope>().DistinctBy(e => e.EventId),
            e => e.EventType == EventBusNames.CommandRejected);
        Assert.Equal(refused.UserId, rejected.AggregateId);
        Assert.Equal("Email is already in use", rejected.EventData.GetProperty("title").GetString());
        Assert.Equal("RegisterUser", rejected.EventData.GetProperty("commandType").GetString());
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Null(await session.Events.FetchStreamStateAsync(refused.UserId));
    }

    [Fact]
    public async Task a_rule_the_store_enforces_is_an_outcome_not_an_exception()
    {
        var taken = UserScenarios.UniqueEmail("taken");
        var first = await Bus.InvokeAsync<CommandOutcome>(Registration(taken));
        var second = Registration(taken);

        var outcome = await Bus.InvokeAsync<CommandOutcome>(second);

        Assert.Equal(new CommandOutcome(first.Id, 1), first);
        Assert.Equal(second.UserId, outcome.Id);
        Assert.Equal((RejectionKind.Conflict, "Email is already in use"),
            (outcome.Rejection?.Kind, outcome.Rejection?.Title));
        var sameId = await Bus.InvokeAsync<CommandOutcome>(Registration() with { UserId = first.Id });
        Assert.Equal((RejectionKind.Conflict, "The resource already exists"),
            (sameId.Rejection?.Kind, sameId.Rejection?.Title));
    }

    [Fact]
    public async Task a_redelivered_registration_is_recognised_as_already_applied()
    {
        var command = Registration();
        var key = Guid.NewGuid().ToString();

        var first = await Bus.InvokeAsync<CommandOutcome>(command, WithCommandId(key));
        var again = await Bus.InvokeAsync<CommandOutcome>(command, WithCommandId(key));
        var another = await Bus.InvokeAsync<CommandOutcome>(command);

        Assert.Equal(new CommandOutcome(command.UserId, 1), first);
        Assert.Equal(new CommandOutcome(command.UserId, 1, AlreadyApplied: true), again);
        Assert.Equal(RejectionKind.Conflict, another.Rejection?.Kind);
        Assert.Single(await Host.StoredEvents(command.UserId));
    }

    [Fact]
    public async Task a_redelivered_deactivation_or_versioned_update_is_recognised_as_already_applied()
    {
        var user = await Host.RegisteredUser();
        var update = new UpdateUserProfile(user.Id, FirstName: "Once", ExpectedVersion: 1);
        var deactivation = new DeactivateUser(user.Id, "left", "ops");
        var (updateKey, deactivationKey) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        Assert.Equal(new CommandOutcome(user.Id, 2),
            await Bus.InvokeAsync<CommandOutcome>(update, WithCommandId(updateKey)));
        Assert.Equal(new CommandOutcome(user.Id, 3),
            await Bus.InvokeAsync<CommandOutcome>(deactivation, WithCommandId(deactivationKey)));
        Assert.Equal(new CommandOutcome(user.Id, 3, AlreadyApplied: true),
            await Bus.InvokeAsync<CommandOutcome>(update, WithCommandId(updateKey)));
        Assert.Equal(new CommandOutcome(user.Id, 3, AlreadyApplied: true),
            await Bus.InvokeAsync<CommandOutcome>(deactivation, WithCommandId(deactivationKey)));

        var otherDeactivation = await Bus.InvokeAsync<CommandOutcome>(deactivation);
        Assert.Equal(("User is already deactivated", false),
            (otherDeactivation.Rejection?.Title, otherDeactivation.AlreadyApplied));
        Assert.Equal(3, (await Host.StoredEvents(user.Id)).Count);
    }

    [Fact]
    public async Task a_command_scheduled_for_later_runs_when_its_time_comes()
    {
        var user = await Host.RegisteredUser();

        var scheduling = await Host.TrackActivity(Tracking.Patience)
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(bus =>
                bus.ScheduleAsync(new DeactivateUser(user.Id, "expired", "scheduler"), TimeSpan.FromHours(1))
                .AsTask()));
        Assert.Single(scheduling.Scheduled.MessagesOf<DeactivateUser>());
        Assert.True((await Host.UserDetails(user.Id)).IsActive);

        await scheduling.PlayScheduledMessagesAsync(Tracking.Patience);

        var details = await Host.UserDetails(user.Id);
        Assert.Equal((false, "expired"), (details.IsActive, details.DeactivationReason));
    }
}
