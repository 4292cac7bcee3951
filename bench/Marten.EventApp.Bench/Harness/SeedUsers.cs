using Marten.EventApp.Contracts.Commands;
using Wolverine;

namespace Marten.EventApp.Bench.Harness;

public static class SeedUsers
{
    // through the service's own command path
    public static async Task<IReadOnlyList<Guid>> RegisterAsync(IMessageBus bus, int count, CancellationToken ct)
    {
        var ids = new Guid[count];
        await Load.ParallelAsync(count, 8, async (i, token) =>
        {
            var cmd = Synthetic.Registration(i);
            var outcome = await bus.InvokeAsync<CommandOutcome>(cmd, token);
            if (outcome.Rejection is { } rejection) throw new InvalidOperationException(rejection.Title);
            ids[i] = cmd.UserId;
        }, ct);
        return ids;
    }
}
