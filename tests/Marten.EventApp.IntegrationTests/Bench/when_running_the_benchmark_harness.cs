using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.IntegrationTests.Bench;

// keeps ./bench.sh working: each scenario must measure something without errors; the numbers are not judged
[Collection(OwnHostsCollection.Name)]
public sealed class when_running_the_benchmark_harness
{
    [Fact]
    public async Task a_smoke_run_measures_every_scenario_without_errors()
    {
        var settings = BenchSettings.Smoke(await TestDatabase.ConnectionString(),
            BenchSettings.FindRepoRoot(AppContext.BaseDirectory),
            await TestBroker.Uri());
        var output = Path.Combine(Path.GetTempPath(), $"bench-smoke-{Guid.NewGuid():N}.md");
        var log = new StringWriter();

        try
        {
            var run = await BenchRunner.RunAsync(settings with { OutputFile = output }, log, CancellationToken.None);

            string[] expected = ["1a", "1b", "1c", "1d", "1e", "1f", "10.bus", "10.bus-rabbitmq", "10.dead-letter",
                "10.dead-letters", "10.feed", "10.overview", "10.projections", "10.saga", "10.sagas", "10.sagas-failed",
                "10.sagas-stuck", "10.streams", "2", "2g", "2l", "2r", "2w", "3", "4a.10",
                "4a.200", "4b", "4c.100", "4c.300", "4d", "4e.100", "4e.300", "5", "6a", "6b", "6r",
                "7.Analytics", "7.UserStatistics", "8", "9", "9l", "9o", "9t"];
            Assert.Equal(expected.Order(StringComparer.Ordinal),
                run.Rows.Select(r => r.Id).Order(StringComparer.Ordinal));
            Assert.All(run.Rows, r => Assert.True(r.Errors == 0, $"{r.Id}: {r.Note}\n{log}"));
            string[] loadRuns = ["1a", "1b", "1c", "1d", "1e", "1f", "2", "2g", "2r", "2w", "3", "6a", "6b", "6r",
                "7.Analytics", "7.UserStatistics", "9", "9o"];
            Assert.All(run.Rows.Where(r => loadRuns.Contains(r.Id)),
                r => Assert.True(r.Rate > 0, $"{r.Id} measured no operation"));
            // 5 is a memory reading, 6r and 7 runs measured as wall time, 2l and 9l lags that may well be 0
            Assert.All(run.Rows.Where(r => r.Id is not ("5" or "2l" or "9l" or "6r") && !r.Id.StartsWith("7.")),
                r => Assert.True(r.P99Ms >= r.P50Ms && r.P50Ms > 0, $"{r.Id} has no latencies"));
            Assert.Contains("peak", run.Rows.Single(r => r.Id == "5").Note);
            Assert.True(run.Rows.Single(r => r.Id == "2l").P99Ms is >= 0, "2l sampled no lag");
            Assert.True(run.Rows.Single(r => r.Id == "9l").P99Ms is >= 0, "9l sampled no lag");
            Assert.Contains("of row 2's rate", run.Rows.Single(r => r.Id == "9").Note);
            Assert.NotNull(Report.Ratio(run.Rows.Single(r => r.Id == "1c"), run.Rows));

            var written = await File.ReadAllTextAsync(output);
            Assert.Contains(Report.Begin, written);
            Assert.Contains("| 4c.300 | User search at 300 users", written);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
