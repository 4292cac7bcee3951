using Alba;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Commands;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 1c, our append path: RegisterUser through Wolverine in process as the HTTP endpoint invokes it, without HTTP.
public sealed class AppendEventApp : IScenario
{
    public string Id => "1c";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var result = await RegisterAsync(await context.ServiceHost(context.Schema("app")), context, ct);
        return [AppendRow.From(Id, "Append: our RegisterUser path in process", result, true,
            Target.RatioAtLeast(0.60))];
    }

    public static Task<LoadResult> RegisterAsync(IAlbaHost host, BenchContext context, CancellationToken ct)
    {
        var bus = host.Services.GetRequiredService<IMessageBus>();
        return Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var outcome = await bus.InvokeAsync<CommandOutcome>(Synthetic.Registration(n), token);
            return outcome.Rejection is null ? true : throw new InvalidOperationException(outcome.Rejection.Title);
        }, ct);
    }
}

// 1f: 1c with the async daemon paused (no forwarder, consumers or async projections): 1f/1e is what Marten and
// Wolverine cost on the command itself, 1c/1f what the work after the commit costs the same machine.
public sealed class AppendEventAppAlone : IScenario
{
    public string Id => "1f";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("alone");
        var host = await context.ServiceHost(schema);
        await host.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>().PauseAsync();
        try
        {
            var result = await AppendEventApp.RegisterAsync(host, context, ct);
            var raw = context.Rows.FirstOrDefault(r => r.Id == "1e");
            return
            [
                AppendRow.From(Id, "Append: 1c with the daemon paused (no bus, no async projections)", result) with
                {
                    Note = $"{(raw?.Rate is { } rate ? $"{result.Rate / rate:0.00} of 1e" : "")} {result.ErrorNote}"
                        .Trim()
                }
            ];
        }
        finally
        {
            // its events are never projected: nothing may wait for this host to settle
            await context.DisposeHostAsync(schema);
        }
    }
}
