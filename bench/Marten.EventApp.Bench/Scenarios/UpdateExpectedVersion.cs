using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 3: profile updates with an expected version read from the read model (as a client reads the ETag); another
// writer may get there first, and then the command is refused as a version mismatch: a conflict.
public sealed class UpdateExpectedVersion : IScenario
{
    public string Id => "3";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("app"));
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var users = await SeedUsers.RegisterAsync(bus, context.Settings.UpdateUsers, ct);
        await context.SettleAsync(ct);

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var id = users[Random.Shared.Next(users.Count)];
            await using var query = store.QuerySession();
            var user = await query.LoadAsync<UserDetails>(id, token)
                ?? throw new InvalidOperationException($"user {id} is missing");
            var outcome = await bus.InvokeAsync<CommandOutcome>(
                new UpdateUserProfile(id, FirstName: $"Name{n}", ExpectedVersion: user.Version), token);
            return outcome.Rejection switch
            {
                null => true,
                { Kind: RejectionKind.VersionMismatch } => false,
                var other => throw new InvalidOperationException(other.Title)
            };
        }, ct);

        var conflictRate = result.Attempts == 0 ? 0 : (double)result.Refused / result.Attempts;
        return
        [
            AppendRow.From(Id,
                $"Update with expected version, {context.Settings.Writers} writers over {users.Count:N0} users",
                result) with
            {
                VersusCeiling = false,
                Note = $"conflicts {conflictRate:P1} ({result.Refused:N0} of {result.Attempts:N0}) {result.ErrorNote}"
                    .Trim()
            }
        ];
    }
}
