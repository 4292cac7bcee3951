using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Scenarios;

namespace Marten.EventApp.Bench.Harness;

public sealed record PipelineRun(long Written, TimeSpan WrittenIn, TimeSpan DoneIn, LoadResult Load, Latencies Lag,
    string LagPerShard,
    long Transactions, Latencies Latencies)
{
    public double WriteRate => Written / WrittenIn.TotalSeconds;

    /// <summary>Pipelines finished per second, from the first write to the last one finished.</summary>
    public double DoneRate => Written / DoneIn.TotalSeconds;

    public ResultRow Row(string id, string name, string measured, string what, string extra = "") => new(id, name)
    {
        Rate = DoneRate,
        P50Ms = Latencies.P50,
        P99Ms = Latencies.P99,
        Errors = Load.Errors,
        Targets = [new Target("≥ 0.90 of the writes", (_, _) => DoneRate >= 0.9 * WriteRate), Target.P99AtMost(2000)],
        Note = $"{measured}. {Summary(what)}{extra}"
    };

    public string Summary(string what) =>
        $"{Written:N0} written at {WriteRate:0}/s, {what} {DoneRate / WriteRate:0.00} of that, the last " +
        $"{(DoneIn - WrittenIn).TotalSeconds:0.0} s after the last write; " +
        $"{Transactions / (double)Written:0.0} database transactions each" +
        (Load.Errors > 0 ? $"; {Load.ErrorNote}" : "");
}

// Sustained load on the service as its own process, then a wait until the background work of every write has
// finished (counted in the database), with the async projections' lag sampled meanwhile.
public static class Pipeline
{
    /// <summary>A registration as row 2 sends it.</summary>
    public static (string Path, object Body) Registration(long n)
    {
        var cmd = Synthetic.Registration(n);
        return ("/api/users", new { cmd.Email, cmd.FirstName, cmd.LastName, cmd.RegistrationSource });
    }

    public static HttpClient Client(ServiceProcess service, int clients) => service.Client(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = clients,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
    });

    // latencySql: each finished pipeline's time from its write, in ms
    public static async Task<PipelineRun> RunAsync(BenchContext context, ServiceProcess service,
        Func<long, (string Path, object Body)> post,
        string writtenSql, string doneSql, string latencySql, CancellationToken ct,
        Func<CancellationToken, Task>? beside = null)
    {
        var clients = context.Settings.HttpClients;
        using var http = Client(service, clients);
        var profile = await DatabaseProfile.StartAsync(context, ct);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lag = HttpRegister.SampleLagAsync(service, context, sampling.Token);
        var alongside = beside?.Invoke(sampling.Token) ?? Task.CompletedTask;
        var began = Stopwatch.StartNew();
        var settings = context.Settings with { Warmup = TimeSpan.Zero, Duration = context.Settings.Sustained };
        var load = await Load.RunAsync(clients, settings, async (n, token) =>
        {
            var (path, body) = post(n);
            using var response = await http.PostAsJsonAsync(path, body, token);
            return response.StatusCode == HttpStatusCode.Created
                ? true
                : throw new HttpRequestException(
                    $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var written = began.Elapsed;
        await sampling.CancelAsync();
        try
        {
            await alongside;
        }
        catch (OperationCanceledException) when (sampling.IsCancellationRequested)
        {
        }

        var lags = await lag;
        var count = await CountAsync(context, writtenSql, ct);
        long done;
        while ((done = await CountAsync(context, doneSql, ct)) < count)
        {
            if (began.Elapsed > written + TimeSpan.FromMinutes(10))
                throw new TimeoutException($"{done} of {count} finished 10 minutes after the last write");
            // each count reads every saga or order: polled often, it became the database's largest statement
            await Task.Delay(500, ct);
        }

        var doneIn = began.Elapsed;
        var (transactions, statements) = await profile.StopAsync(context, ct);
        context.Log($"  the database's work for {count:N0} writes and their pipelines, by statement " +
                    $"(total ms, calls):\n{statements}");
        var ms = new List<double>();
        await using (var command = context.DataSource.CreateCommand(latencySql))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) ms.Add(reader.GetDouble(0));
        return new PipelineRun(count, written, doneIn, load, lags.Largest, lags.PerShard, transactions,
            new Latencies(ms));
    }

    public static async Task<long> CountAsync(BenchContext context, string sql, CancellationToken ct)
    {
        try
        {
            await using var command = context.DataSource.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01")
        {
            return 0; // a saga's table is made with its first saga
        }
    }

    // commits from pg_stat_database (every client's) and, where pg_stat_statements is loaded, the costliest statements
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
            // the backends report their counts within a second or so of their last transaction
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
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
            while (await reader.ReadAsync(ct))
                lines.Add($"    {reader.GetInt64(0),8} ms {reader.GetInt64(1),9}  {reader.GetString(2)}");
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
