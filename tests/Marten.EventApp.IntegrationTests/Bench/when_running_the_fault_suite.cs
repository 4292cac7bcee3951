using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.IntegrationTests.Bench;

// the smoke version of ./faults.sh, against the test servers
[Collection(OwnHostsCollection.Name)]
public sealed class when_running_the_fault_suite
{
    [Fact]
    public async Task a_kill_a_broker_outage_and_a_kill_during_a_replay_lose_nothing()
    {
        var repo = BenchSettings.FindRepoRoot(AppContext.BaseDirectory);
        var settings = BenchSettings.Smoke(await TestDatabase.ConnectionString(), repo, await TestBroker.Uri()) with
        {
            Only = ["F1", "F2", "F6"],
            SchemaPrefix = "faultsmoke",
            RabbitMqCtl = Environment.GetEnvironmentVariable("EVENTAPP_TEST_RABBITMQCTL")
        };
        var log = new StringWriter();

        var run = await BenchRunner.RunAsync(settings, log, CancellationToken.None);

        Assert.Equal(["F1", "F2", "F6"], run.Rows.Select(r => r.Id).Order(StringComparer.Ordinal));
        // the outage needs ./test.sh's broker (its rabbitmqctl); with a container it reports that it did not run
        foreach (var row in run.Rows.Where(r => r.Id is "F1" or "F6" || settings.RabbitMqCtl is not null))
        {
            Assert.True(row.Errors == 0, $"{row.Id}: {row.Note}\n{log}");
            // what was lost, not how fast it recovered: times are the full run's figures (RELIABILITY.md)
            var loss = Assert.Single(row.Targets, t => t.Text.StartsWith("0 lost"));
            Assert.True(loss.Check(row, null), $"{row.Id} missed '{loss.Text}': {row.Note}\n{log}");
            Assert.False(row.Note.StartsWith("0 registrations") || row.Note.StartsWith("0 updates"),
                $"{row.Id} wrote nothing: {row.Note}");
        }
    }
}
