using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 2: POST /api/users against the service running as its own process, from keep-alive HttpClient connections,
/// one per client. 5: the service's peak working set over its life, which includes this load.
/// </summary>
public sealed class HttpRegister : IScenario
{
    public string Id => "2";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        await using var service = await ServiceProcess.StartAsync(context, context.Schema("http"), ct);
        var clients = context.Settings.HttpClients;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
        }) { BaseAddress = service.BaseAddress };
        var idle = service.Memory();

        var result = await Load.RunAsync(clients, context.Settings, async (n, token) =>
        {
            var cmd = Synthetic.Registration(n);
            using var response = await http.PostAsJsonAsync("/api/users",
                new { cmd.Email, cmd.FirstName, cmd.LastName, cmd.RegistrationSource }, token);
            return response.StatusCode == HttpStatusCode.Created
                ? true
                : throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var memory = service.Memory();

        return
        [
            AppendRow.From(Id, $"HTTP: POST /api/users, {clients} keep-alive clients", result, true,
                Target.RatioAtLeast(0.40), Target.P99AtMost(50)),
            new ResultRow("5", "Memory: service peak working set during 2")
            {
                Note = $"peak {memory.PeakMiB:0} MiB (VmHWM); {idle.CurrentMiB:0} MiB before the load, {memory.CurrentMiB:0} MiB after"
            }
        ];
    }
}
