using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Commands;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 1c, our append path: RegisterUser through Wolverine in process (handler, new stream, inline UserDetails,
/// unique active-email index, one transaction), as the HTTP endpoint invokes it, without HTTP.
/// </summary>
public sealed class AppendEventApp : IScenario
{
    public string Id => "1c";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("app"));
        var bus = host.Services.GetRequiredService<IMessageBus>();

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var outcome = await bus.InvokeAsync<CommandOutcome>(Synthetic.Registration(n), token);
            return outcome.Rejection is null ? true : throw new InvalidOperationException(outcome.Rejection.Title);
        }, ct);

        return [AppendRow.From(Id, "Append: our RegisterUser path in process", result, true, Target.RatioAtLeast(0.60))];
    }
}
