using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 2: POST /api/users against the service running as its own process, from keep-alive HttpClient connections,
/// one per client. 2r: the same requests for an email another active user has: each is refused (409), an answer
/// that should cost no more than a success. 5: the service's peak working set over its life, which includes both.
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

        var taken = Synthetic.Registration(0);
        using (var first = await http.PostAsJsonAsync("/api/users", new { taken.Email, taken.FirstName, taken.LastName }, ct))
            first.EnsureSuccessStatusCode();
        var refused = await Load.RunAsync(clients, context.Settings, async (_, token) =>
        {
            using var response = await http.PostAsJsonAsync("/api/users",
                new { taken.Email, FirstName = "Taken", LastName = "Email" }, token);
            return response.StatusCode == HttpStatusCode.Conflict
                ? true
                : throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var memory = service.Memory();

        return
        [
            AppendRow.From(Id, $"HTTP: POST /api/users, {clients} keep-alive clients", result, true,
                Target.RatioAtLeast(0.40), Target.P99AtMost(50)),
            AppendRow.From("2r", "HTTP: POST /api/users refused (email taken, 409)", refused) with
            {
                Note = $"{refused.Rate / result.Rate:0.00} of row 2's rate {refused.ErrorNote}".Trim()
            },
            new ResultRow("5", "Memory: service peak working set during 2 and 2r")
            {
                Note = $"peak {memory.PeakMiB:0} MiB (VmHWM); {idle.CurrentMiB:0} MiB before the load, {memory.CurrentMiB:0} MiB after"
            }
        ];
    }
}
