using Alba;
using JasperFx.Core;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;
using Wolverine.RabbitMQ;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Messaging;

// a second Wolverine service that only knows the contracts and the command queue
[Collection(OwnHostsCollection.Name)]
public sealed class when_another_service_sends_commands_over_rabbitmq : IAsyncLifetime
{
    // the service's default command queue, as another service configures it
    private const string CommandQueue = "marten-eventapp.commands";
    private readonly string _schema = "eventapp_broker_" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _service = null!;
    private IHost _sender = null!;

    public async Task InitializeAsync()
    {
        var broker = await TestBroker.Uri();
        _service = await TestHost.StartAsync(_schema, broker: broker);
        _sender = await Host.CreateDefaultBuilder()
            .UseWolverine(opts =>
            {
                opts.ServiceName = "other-service";
                opts.ApplicationAssembly = typeof(when_another_service_sends_commands_over_rabbitmq).Assembly;
                opts.UseRabbitMq(broker).AutoProvision();
                opts.PublishMessage<RegisterUser>().ToRabbitQueue(CommandQueue);
                opts.PublishMessage<DeactivateUser>().ToRabbitQueue(CommandQueue);
            })
            .StartAsync();
    }

    [Fact]
    public async Task a_sender_asking_for_the_outcome_gets_it_back_success_or_refusal()
    {
        var bus = _sender.MessageBus();
        var email = UserScenarios.UniqueEmail("remote");
        var registration = new RegisterUser(Guid.CreateVersion7(), email, "Re", "Mote", "queue");

        var created = await bus.InvokeAsync<CommandOutcome>(registration, timeout: 30.Seconds());
        var refused = await bus.InvokeAsync<CommandOutcome>(registration with { UserId = Guid.CreateVersion7() },
            timeout: 30.Seconds());

        Assert.Equal(new CommandOutcome(registration.UserId, 1), created);
        Assert.Equal((RejectionKind.Conflict, "Email is already in use"),
            (refused.Rejection?.Kind, refused.Rejection?.Title));
        var user = await _service.UserDetails(registration.UserId);
        Assert.Equal((email, "queue"), (user.Email, user.RegistrationSource));
    }

    [Fact]
    public async Task a_one_way_command_takes_effect_and_nothing_comes_back()
    {
        var user = await _service.RegisteredUser();

        var tracked = await _sender.TrackActivity(60.Seconds())
            .AlsoTrack(_service)
            .IncludeExternalTransports()
            .SendMessageAndWaitAsync(new DeactivateUser(user.Id, "left", "other-service"));

        Assert.Single(tracked.Executed.MessagesOf<DeactivateUser>());
        Assert.Empty(tracked.Sent.MessagesOf<CommandOutcome>());
        Assert.Empty(tracked.NoRoutes.Envelopes());
        Assert.False((await _service.UserDetails(user.Id)).IsActive);
    }

    public async Task DisposeAsync()
    {
        await _sender.StopAsync();
        _sender.Dispose();
        await _service.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
