using System.Text.Json;
using Marten.EventApp.Bench.Harness;
using NpgsqlTypes;

namespace Marten.EventApp.Bench.Scenarios;

// 1a, the ceiling: one INSERT of the registration's JSON into a plain events table per transaction
public sealed class AppendRawNpgsql : IScenario
{
    public string Id => "1a";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var table = $"{context.Schema("raw")}.events";
        await context.ExecuteAsync($"""
            create schema {context.Schema("raw")};
            create table {table} (
                seq bigserial primary key, stream_id uuid not null, version int not null,
                type text not null, data jsonb not null, timestamp timestamptz not null default now())
            """, ct);
        var sql = $"insert into {table} (stream_id, version, type, data) values ($1, 1, 'user_registered', $2)";

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var e = Synthetic.Registered(n);
            await using var command = context.DataSource.CreateCommand(sql);
            command.Parameters.AddWithValue(e.UserId);
            command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(e, Synthetic.Json));
            await command.ExecuteNonQueryAsync(token);
            return true;
        }, ct);

        return [AppendRow.From(Id, $"Append: raw Npgsql INSERT, {context.Settings.Writers} writers (ceiling)",
            result, versusCeiling: false)];
    }
}
