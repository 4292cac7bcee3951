using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Npgsql;

namespace Marten.EventApp.IntegrationTests.Platform;

// through a relay the test cuts: the service's connections dropped and new ones refused
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_database_goes_away : IAsyncLifetime
{
    private readonly string _schema = "eventapp_outage_" + Guid.NewGuid().ToString("N")[..8];
    private TcpProxy _database = null!;
    private IAlbaHost _service = null!;

    public async Task InitializeAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(await TestDatabase.ConnectionString());
        _database = new TcpProxy(direct.Host!, direct.Port);
        var relayed = new NpgsqlConnectionStringBuilder(direct.ConnectionString)
        {
            Host = "127.0.0.1", Port = _database.Port
        };
        _service = await TestHost.StartAsync(_schema, settings: new Dictionary<string, string>
        {
            ["ConnectionStrings:Marten"] = relayed.ConnectionString
        });
    }

    public async Task DisposeAsync()
    {
        _database.Restore();
        await _service.DisposeAsync();
        await _database.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    private static object Registration() =>
        new { email = UserScenarios.UniqueEmail("outage"), firstName = "Out", lastName = "Age" };

    [Fact]
    public async Task requests_are_answered_503_with_retry_after_and_answered_again_when_it_is_back()
    {
        var before = await _service.RegisteredUser();

        _database.Cut();
        var write = await _service.Scenario(x =>
        {
            x.Post.Json(Registration()).ToUrl("/api/users");
            x.StatusCodeShouldBe(503);
        });
        var problem = await write.ProblemShouldBe(503);
        Assert.Equal("The service cannot reach its database", problem.Title);
        Assert.Equal("5", write.Context.Response.Headers.RetryAfter.ToString());
        var read = await _service.Scenario(x =>
        {
            x.Get.Url($"/api/users/{before.Id}");
            x.StatusCodeShouldBe(503);
        });
        await read.ProblemShouldBe(503);

        _database.Restore();
        // connections the outage broke are dropped as the pool meets them
        await Tracking.Eventually(async () =>
        {
            var again = await _service.Scenario(x =>
            {
                x.Post.Json(Registration()).ToUrl("/api/users");
                x.IgnoreStatusCode();
            });
            return again.Context.Response.StatusCode == 201 ? again : null;
        });
        await _service.Scenario(x => x.Get.Url($"/api/users/{before.Id}"));
    }
}
