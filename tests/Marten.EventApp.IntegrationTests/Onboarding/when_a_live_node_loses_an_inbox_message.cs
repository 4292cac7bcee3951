using Alba;
using JasperFx.Core;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.IntegrationTests.Onboarding;

// what the database going away under a batch left behind (RELIABILITY.md, F3): nothing but InboxStaleTime
// releases a live node's rows
[Collection(OwnHostsCollection.Name)]
public sealed class when_a_live_node_loses_an_inbox_message : IAsyncLifetime
{
    private IAlbaHost _host = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.ConnectionString();
        _host = (await AlbaHost.For<Program>(b =>
        {
            b.UseTestSigningKey();
            b.UseSetting("ConnectionStrings:Marten", connectionString);
            b.UseSetting("ConnectionStrings:RabbitMq", "");
            b.UseSetting("EventApp:SchemaName", "eventapp_inbox_" + Guid.NewGuid().ToString("N")[..8]);
            b.UseSetting("EventApp:InboxStaleTime", "00:00:03");
            // the clock of the messages a node holds restarts on its heartbeat: more often than they go stale
            b.ConfigureServices(s => s.ConfigureWolverine(o => o.Durability.HealthCheckPollingTime = 1.Seconds()));
        })).AsAdmin();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task it_is_handled_once_it_is_stale()
    {
        var user = await _host.RegisteredUser();
        await _host.SagaWhen<UserOnboardingSaga>(user.Id, s => s.Status == SagaStatus.Completed);
        var runtime = _host.Services.GetRequiredService<IWolverineRuntime>();
        var note = new OnboardingOperatorNote(user.Id, "stored, then lost by its node");
        var lost = new Envelope(note)
        {
            Destination = new Uri($"local://{OnboardingConfiguration.SagaQueue}"),
            Status = EnvelopeStatus.Incoming,
            OwnerId = runtime.Options.Durability.AssignedNodeNumber,
            ContentType = "application/json",
            Serializer = runtime.Options.DefaultSerializer,
            MessageType = typeof(OnboardingOperatorNote).FullName
        };

        await runtime.Storage.Inbox.StoreIncomingAsync(lost);

        var saga = await _host.SagaWhen<UserOnboardingSaga>(user.Id, s => s.Timeline.Any(t => t.Note == note.Note),
            30.Seconds());
        Assert.Single(saga.Timeline, t => t.Note == note.Note);
    }
}
