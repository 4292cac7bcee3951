using Alba;
using JasperFx.Core;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Projections;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.IntegrationTests.Platform;

// catches a broken leadership or agent-assignment path in CI rather than in production
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

    private readonly List<IAlbaHost> _running = [];

    private async Task<IAlbaHost> Node()
    {
        var node = (await StartNode()).AsAdmin();
        _running.Add(node);
        return node;
    }

    private Task<IAlbaHost> StartNode() => AlbaHost.For<Program>(b =>
    {
        b.UseTestSigningKey();
        b.UseSetting("ConnectionStrings:Marten", _connectionString);
        b.UseSetting("ConnectionStrings:RabbitMq", "");
        b.UseSetting("EventApp:SchemaName", _schema);
        b.UseSetting("EventApp:Nodes", "Distributed");
        // quicker than the service's defaults, for a test's patience
        b.UseSetting("EventApp:NodeHeartbeat", "00:00:01");
        b.UseSetting("EventApp:NodeTimeout", "00:00:03");
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

    // settled: every async shard assigned, running on exactly one node, which both nodes name
    private static Task<ProjectionsOverview?[]> Settled(IAlbaHost[] nodes) => Tracking.Eventually(async () =>
    {
        var overviews = await Task.WhenAll(nodes.Select(n =>
            n.GetAsJson<ProjectionsOverview>("/api/admin/projections")!));
        var shards = overviews[0]!.Projections.Where(p => p.Lifecycle == "async").Select(p => p.Name).ToList();
        var settled = shards.All(name =>
            overviews.Count(o => o!.Projections.Single(p => p.Name == name).State == "running") == 1 &&
            overviews.All(o => o!.Projections.Single(p => p.Name == name).Node is not null));
        return settled ? overviews : null;
    }, 90.Seconds());

    [Fact]
    public async Task an_async_projection_is_rebuilt_from_a_node_that_does_not_run_it_and_runs_on_after()
    {
        var nodes = new[] { _first, _second };
        await _first.RegisteredUser();
        await _second.RegisteredUser();
        var leaving = await _second.RegisteredUser();
        await _first.Deactivated(leaving.Id);
        var views = await Settled(nodes);
        var owner = views.ToList()
            .FindIndex(v => v!.Projections.Single(p => p.Name == nameof(UserStatistics)).State == "running");
        var other = nodes[1 - owner];
        await other.WaitForNonStaleProjectionDataAsync(90.Seconds());
        // the numbers gone wrong, as after a projection bug: the rebuild must put them right
        await using (var session = other.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(new UserStatistics { Id = UserStatistics.AllUsers, Registered = 99 });
            await session.SaveChangesAsync();
        }

        // while a rebuild holds the projection somewhere in the cluster, a second one is refused on any node
        await using (var elsewhere = new Npgsql.NpgsqlConnection(_connectionString))
        {
            await elsewhere.OpenAsync();
            await using var hold = new Npgsql.NpgsqlCommand("select pg_advisory_lock(hashtext($1), hashtext($2))",
                elsewhere);
            hold.Parameters.AddWithValue(ProjectionRebuilds.ClusterLockScope);
            hold.Parameters.AddWithValue($"{_schema}.{nameof(UserStatistics)}");
            await hold.ExecuteNonQueryAsync();
            await other.Scenario(x =>
            {
                x.Post.Url($"/api/admin/projections/{nameof(UserStatistics)}/rebuild");
                x.StatusCodeShouldBe(409);
            });
            // a pooled connection resets lazily: let go of the lock now
            await using var release = new Npgsql.NpgsqlCommand("select pg_advisory_unlock_all()", elsewhere);
            await release.ExecuteNonQueryAsync();
        }

        var started = await other.Scenario(x =>
        {
            x.Post.Url($"/api/admin/projections/{nameof(UserStatistics)}/rebuild");
            x.StatusCodeShouldBe(202);
        });
        var id = (await started.ReadAsJsonAsync<RebuildStatus>())!.Id;
        var finished = await Tracking.Eventually(async () =>
            await other.GetAsJson<RebuildStatus>($"/api/admin/projections/{nameof(UserStatistics)}/rebuilds/{id}")
                is { State: not "running" } s ? s : null, 90.Seconds());
        Assert.Equal(("completed", null), (finished.State, finished.Error));
        Assert.Equal(finished.Total, finished.Done);

        // the pause is lifted: the projection runs again on one node and goes on with new events
        await Settled(nodes);
        await _first.RegisteredUser();
        await Tracking.Eventually(async () =>
            (await other.GetAsJson<UserStatistics>("/api/users/statistics"))!.Registered == 4
                ? "" : null, 90.Seconds());
        var stats = (await _first.GetAsJson<UserStatistics>("/api/users/statistics"))!;
        Assert.Equal((4L, 3L, 1L), (stats.Registered, stats.Active, stats.Deactivated));
    }

    [Fact]
    public async Task each_projection_runs_on_exactly_one_node_and_moves_when_that_node_stops()
    {
        var nodes = new[] { _first, _second };
        var views = await Settled(nodes);
        var statistics = views.Select(v => v!.Projections.Single(p => p.Name == nameof(UserStatistics))).ToList();
        var owner = statistics.FindIndex(s => s.State == "running");
        Assert.Equal(views[owner]!.ThisNode, statistics[1 - owner].Node);
        Assert.Equal("elsewhere", statistics[1 - owner].State);

        await nodes[owner].DisposeAsync();
        _running.Remove(nodes[owner]);
        var survivor = nodes[1 - owner];
        await survivor.RegisteredUser();
        await Tracking.Eventually(async () =>
            (await survivor.GetAsJson<UserStatistics>("/api/users/statistics"))!.Registered == 1
                ? "" : null, 90.Seconds());
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_running)) await node.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
