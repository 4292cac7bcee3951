using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

// 1d, Marten as a user gets it without tuning: DocumentStore.For with only a connection and schema, no projection.
public sealed class AppendPlainMarten : IScenario
{
    public string Id => "1d";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(context.Settings.ConnectionString);
            opts.DatabaseSchemaName = context.Schema("marten");
        });

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var e = Synthetic.Registered(n);
            await using var session = store.LightweightSession();
            session.Events.StartStream(e.UserId, e);
            await session.SaveChangesAsync(token);
            return true;
        }, ct);

        return [AppendRow.From(Id, "Append: plain Marten, default settings", result)];
    }
}
