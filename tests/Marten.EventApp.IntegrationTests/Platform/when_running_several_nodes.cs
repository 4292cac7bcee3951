using Alba;
using JasperFx.Core;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.IntegrationTests.Platform;

/// <summary>
/// Two nodes on one database with Wolverine-managed distribution of the async projections: catches a broken
/// leadership or agent-assignment path in CI rather than in production. Uses its own schema.
/// </summary>
[Collection(OwnHostsCollection.Name)]
public sealed class when_running_several_nodes : IAsyncLifetime
{
    private readonly string _schema = "eventapp_nodes_" + Guid.NewGuid().ToString("N")[..8];
    private string _connectionString = "";
    private IAlbaHost _first = null!;
    private IAlbaHost _second = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.ConnectionString();
        _first = await Node();
        _second = await Node();
    }

    private Task<IAlbaHost> Node() => AlbaHost.For<Program>(b =>
    {
        b.UseSetting("ConnectionStrings:Marten", _connectionString);
        b.UseSetting("ConnectionStrings:RabbitMq", "");
        b.UseSetting("EventApp:SchemaName", _schema);
        b.UseSetting("EventApp:Nodes", "Distributed");
        b.ConfigureServices(s => s.ConfigureWolverine(o =>
        {
            // the defaults (10 s health checks, 30 s assignment) are for production, not a test's patience
            o.Durability.HealthCheckPollingTime = 1.Seconds();
            o.Durability.CheckAssignmentPeriod = 1.Seconds();
        }));
    });

    [Fact]
    public async Task the_async_projection_advances_with_events_written_on_either_node()
    {
        // either node may win the election: wait for a leader, whichever it is
        var leader = await Task.WhenAny(
            _first.WaitUntilAssumesLeadershipAsync(90.Seconds()).AsTask(),
            _second.WaitUntilAssumesLeadershipAsync(90.Seconds()).AsTask());
        Assert.True(await leader, "no node became the leader");
        await _first.RegisteredUser();
        await _second.RegisteredUser();
        var leaving = await _second.RegisteredUser();
        await _first.Deactivated(leaving.Id);

        await _second.WaitForNonStaleProjectionDataAsync(90.Seconds());
        foreach (var node in new[] { _first, _second })
        {
            var stats = (await node.GetAsJson<UserStatistics>("/api/users/statistics"))!;
            Assert.Equal((3L, 2L, 1L), (stats.Registered, stats.Active, stats.Deactivated));
        }
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
