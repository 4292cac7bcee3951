using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 9: the whole pipeline under sustained load. The service runs as its own process with onboarding on, as ./run.sh
/// starts it; registrations arrive over HTTP from row 2's clients for <see cref="BenchSettings.Sustained"/>. A
/// registration is done when its onboarding saga has completed: the row gives the write rate, the rate at which sagas
/// completed (from the first write to the last completion), each registration's time to its
/// <c>OnboardingCompleted</c>, and (9l) the async projections' lag meanwhile. The write rate is compared with row 2's
/// (the same requests with onboarding off) when both ran.
/// </summary>
public sealed class OnboardingThroughput : IScenario
{
    public string Id => "9";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("pipeline");
        await using var service = await ServiceProcess.StartAsync(context, schema, ct,
            new Dictionary<string, string> { ["EventApp__Onboarding__Enabled"] = "true" });
        var clients = context.Settings.HttpClients;
        using var http = service.Client(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
        });

        var profile = await DatabaseProfile.StartAsync(context, ct);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lag = HttpRegister.SampleLagAsync(service, context, sampling.Token);
        var began = Stopwatch.StartNew();
        var settings = context.Settings with { Warmup = TimeSpan.Zero, Duration = context.Settings.Sustained };
        var result = await Load.RunAsync(clients, settings, async (n, token) =>
        {
            var cmd = Synthetic.Registration(n);
            using var response = await http.PostAsJsonAsync("/api/users",
                new { cmd.Email, cmd.FirstName, cmd.LastName, cmd.RegistrationSource }, token);
            return response.StatusCode == HttpStatusCode.Created
                ? true
                : throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var written = began.Elapsed;
        await sampling.CancelAsync();
        var lags = await lag;

        var registered = await CountAsync(context, $"select count(*) from {schema}.mt_doc_userdetails", ct);
        var deadline = written + TimeSpan.FromMinutes(10);
        long completed;
        while ((completed = await CountAsync(context, CompletedSql(schema), ct)) < registered)
        {
            if (began.Elapsed > deadline)
                throw new TimeoutException($"{completed} of {registered} onboardings completed {deadline - written} after the last write");
            await Task.Delay(100, ct);
        }

        var elapsed = began.Elapsed;
        var (transactions, statements) = await profile.StopAsync(context, ct);
        context.Log($"  9: the database's work for {registered:N0} registrations and their pipelines, by statement (total ms, calls):\n{statements}");
        var latencies = await LatenciesAsync(context, schema, ct);
        var writeRate = registered / written.TotalSeconds;
        var completionRate = registered / elapsed.TotalSeconds;
        var offRate = context.Rows.FirstOrDefault(r => r.Id == "2")?.Rate;
        return
        [
            new ResultRow(Id, $"Pipeline: POST /api/users for {settings.Duration.TotalSeconds:0} s with onboarding on, {clients} clients → every saga completed")
            {
                Rate = completionRate,
                P50Ms = latencies.P50,
                P99Ms = latencies.P99,
                Errors = result.Errors,
                Targets = [new Target("completed ≥ 0.90 of written", (_, _) => completionRate >= 0.9 * writeRate), Target.P99AtMost(2000)],
                Note = $"sagas completed per second; registration to OnboardingCompleted. {registered:N0} written at {writeRate:0}/s, " +
                       $"completions {completionRate / writeRate:0.00} of that, the last {(elapsed - written).TotalSeconds:0.0} s after the last write; " +
                       $"{transactions / (double)registered:0.0} database transactions per registration" +
                       (offRate is { } off ? $"; writes {writeRate / off:0.00} of row 2's rate (onboarding off)" : "") +
                       (result.Errors > 0 ? $"; {result.ErrorNote}" : "")
            },
            new ResultRow("9l", "Async projections' lag during 9 (the largest, sampled every 250 ms)")
            {
                P50Ms = lags.Largest.P50, P99Ms = lags.Largest.P99, Targets = [Target.P99AtMost(1000)],
                Note = $"{lags.Largest.Count} samples; {lags.PerShard}"
            }
        ];
    }

    private static string CompletedSql(string schema) =>
        $"select count(*) from {schema}.mt_doc_useronboardingsaga where data ->> 'status' = 'Completed'";

    private static async Task<long> CountAsync(BenchContext context, string sql, CancellationToken ct)
    {
        try
        {
            await using var command = context.DataSource.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01")
        {
            return 0; // the saga table is made with the first saga
        }
    }

    /// <summary>Each user's time from its registration to its saga's completion, in ms.</summary>
    private static async Task<Latencies> LatenciesAsync(BenchContext context, string schema, CancellationToken ct)
    {
        var ms = new List<double>();
        await using var command = context.DataSource.CreateCommand(
            $"""
             select extract(epoch from ((s.data ->> 'completedAt')::timestamptz - (u.data ->> 'registrationDate')::timestamptz)) * 1000
             from {schema}.mt_doc_useronboardingsaga s join {schema}.mt_doc_userdetails u on u.id = s.id
             """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ms.Add(reader.GetDouble(0));
        return new Latencies(ms);
    }

    /// <summary>
    /// The database's committed transactions while the pipeline ran (from <c>pg_stat_database</c>) and, where
    /// <c>pg_stat_statements</c> is loaded (./bench.sh's server), the statements that took its time.
    /// </summary>
    private sealed class DatabaseProfile(long commits, bool statements)
    {
        public static async Task<DatabaseProfile> StartAsync(BenchContext context, CancellationToken ct)
        {
            var statements = true;
            try
            {
                await context.ExecuteAsync("select pg_stat_statements_reset()", ct);
            }
            catch (Npgsql.PostgresException)
            {
                statements = false;
            }

            return new DatabaseProfile(await CommitsAsync(context, ct), statements);
        }

        public async Task<(long Transactions, string Statements)> StopAsync(BenchContext context, CancellationToken ct)
        {
            var transactions = await CommitsAsync(context, ct) - commits;
            if (!statements) return (transactions, "    (pg_stat_statements is not loaded)");
            var lines = new List<string>();
            await using var command = context.DataSource.CreateCommand(
                """
                select round(total_exec_time)::bigint, calls, left(regexp_replace(query, '\s+', ' ', 'g'), 160)
                from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
                order by total_exec_time desc limit 25
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) lines.Add($"    {reader.GetInt64(0),8} ms {reader.GetInt64(1),9}  {reader.GetString(2)}");
            return (transactions, string.Join('\n', lines));
        }

        private static async Task<long> CommitsAsync(BenchContext context, CancellationToken ct)
        {
            await using var command = context.DataSource.CreateCommand(
                "select xact_commit from pg_stat_database where datname = current_database()");
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }
    }
}
