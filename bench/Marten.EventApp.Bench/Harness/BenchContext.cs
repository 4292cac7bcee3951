using Alba;
using JasperFx.CommandLine;
using Microsoft.AspNetCore.Hosting;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine.Persistence.Durability;

namespace Marten.EventApp.Bench.Harness;

public sealed class BenchContext : IAsyncDisposable
{
    private readonly Dictionary<string, Task<IAlbaHost>> _hosts = new();
    private readonly TextWriter _log;

    public BenchContext(BenchSettings settings, TextWriter log)
    {
        Settings = settings;
        _log = log;
        DataSource = new NpgsqlDataSourceBuilder(settings.ConnectionString)
        {
            ConnectionStringBuilder = { MaxPoolSize = 100 }
        }.Build();
    }

    public BenchSettings Settings { get; }
    public NpgsqlDataSource DataSource { get; }

    public List<ResultRow> Rows { get; } = [];

    public string Schema(string name) => $"{Settings.SchemaPrefix}_{name}";

    public void Log(string message) => _log.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");

    // Composed exactly as Program does, in this process, and called directly without HTTP. Onboarding is off unless
    // asked for: it has its own row (9), and its backlog would otherwise follow every write scenario.
    public Task<IAlbaHost> ServiceHost(string schema, string? exchange = null,
        Action<IServiceCollection>? services = null, bool onboarding = false)
    {
        lock (_hosts)
        {
            if (_hosts.TryGetValue(schema, out var host)) return host;
            JasperFxEnvironment.AutoStartHost = true;
            // WebApplicationFactory's content root (the project folder, where Static codegen looks for generated code)
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MARTEN_EVENTAPP",
                Path.Combine(Settings.RepoRoot, "src", "Marten.EventApp"));
            return _hosts[schema] = AlbaHost.For<global::Program>(b =>
            {
                b.UseEnvironment("Production");
                b.UseSetting("EventApp:Auth:SigningKey", ServiceProcess.SigningKey);
                b.UseSetting("ConnectionStrings:Marten", Settings.ConnectionString);
                // with an exchange: the bus on RabbitMQ; without: the bus on durable local queues, as ./run.sh
                b.UseSetting("ConnectionStrings:RabbitMq", exchange is null ? "" : Settings.RabbitMq!.ToString());
                if (exchange is not null) b.UseSetting("EventApp:EventBus:Exchange", exchange);
                b.UseSetting("EventApp:SchemaName", schema);
                b.UseSetting("EventApp:Onboarding:Enabled", onboarding ? "true" : "false");
                if (services is not null) b.ConfigureServices(services);
            });
        }
    }

    // its leftovers are then nobody's backlog
    public async Task DisposeHostAsync(string schema)
    {
        Task<IAlbaHost>? host;
        lock (_hosts) _hosts.Remove(schema, out host);
        if (host is not null) await (await host).DisposeAsync();
    }

    // so that a measurement does not share the machine with an earlier backlog
    public async Task SettleAsync(CancellationToken ct)
    {
        List<IAlbaHost> hosts;
        lock (_hosts) hosts = _hosts.Values.Where(h => h.IsCompletedSuccessfully).Select(h => h.Result).ToList();
        foreach (var host in hosts)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            // Marten's wait gives up on a store without events (4c bulk-loads documents only)
            var store = host.Services.GetRequiredService<IDocumentStore>();
            if ((await store.Advanced.FetchEventStoreStatistics(token: ct)).EventCount > 0)
                await host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
            var admin = host.Services.GetRequiredService<IMessageStore>().Admin;
            while (await admin.FetchCountsAsync() is { Incoming: > 0 } or { Outgoing: > 0 })
                await Task.Delay(200, ct);
            if (started.Elapsed > TimeSpan.FromSeconds(1))
                Log($"  settled a host's backlog in {started.Elapsed.TotalSeconds:0.0} s");
        }
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            if (host.IsCompletedSuccessfully) await host.Result.DisposeAsync();
        }

        await DataSource.DisposeAsync();
    }
}
