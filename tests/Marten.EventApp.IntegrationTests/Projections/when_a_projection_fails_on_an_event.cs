using Alba;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Projections;
using Marten.Events.Projections;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Projections;

// a host of its own: the paused shard would hold up every test that waits for the projections to catch up
public sealed class when_a_projection_fails_on_an_event : IAsyncLifetime
{
    private readonly string _schema = "eventapp_failing_" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(_schema,
        services: s => s.ConfigureMarten(o => o.Projections.Add(new Exploding(), ProjectionLifecycle.Async)));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task it_pauses_and_the_status_names_the_error_and_the_event_while_the_others_run_on()
    {
        await _host.RegisteredUser(firstName: "Calm");
        var bad = await _host.RegisteredUser(firstName: Exploding.Trigger);
        var badSequence = (await _host.StoredEvents(bad.Id)).Single().Sequence;
        var after = await _host.RegisteredUser(firstName: "After");

        var paused = await Tracking.Eventually(async () =>
        {
            var overview = await _host.GetAsJson<ProjectionsOverview>("/api/admin/projections");
            return overview!.Projections.Single(p =>
                p.Name == Exploding.ProjectionName) is { State: "paused" } p ? p : null;
        });

        // the page holding it is not committed: the projection stands before it
        Assert.InRange(paused.Position!.Value, 0, badSequence - 1);
        Assert.Equal(("ApplyEvent", badSequence), (paused.Error!.Category, paused.Error.EventSequence));
        Assert.EndsWith(nameof(InvalidOperationException), paused.Error.RootExceptionType);
        Assert.Contains($"{Exploding.Trigger} cannot be projected", paused.Error.Detail);
        var lastSequence = (await _host.StoredEvents(after.Id)).Single().Sequence;
        await Tracking.Eventually(async () =>
        {
            var overview = await _host.GetAsJson<ProjectionsOverview>("/api/admin/projections");
            var others = overview!.Projections.Where(p => p.Lifecycle == "async" && p.Name != Exploding.ProjectionName)
                .ToList();
            return others.All(p => p.State == "running" && p.Position >= lastSequence) ? others : null;
        });
    }

    private sealed class Exploding : EventProjection
    {
        public const string ProjectionName = "Exploding";
        public const string Trigger = "Explode";

        public Exploding() => Name = ProjectionName;

        public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e,
            CancellationToken cancellation) =>
            e.Data is UserRegistered { FirstName: Trigger } registered
                ? throw new InvalidOperationException($"{registered.FirstName} cannot be projected")
                : ValueTask.CompletedTask;
    }
}
