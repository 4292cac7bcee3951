using System.Text.Json;
using Marten.EventApp.Bench.Harness;
using NpgsqlTypes;

namespace Marten.EventApp.Bench.Scenarios;

// 1b, the seed's saveEvents: read MAX(aggregate_version), compare, INSERT, in one transaction. The unique
// (aggregate_id, aggregate_version) constraint is ours: without it two writers could both append version 1.
public sealed class AppendSeedAlgorithm : IScenario
{
    public string Id => "1b";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var table = $"{context.Schema("seed")}.events";
        await context.ExecuteAsync($"""
            create schema {context.Schema("seed")};
            create table {table} (
                position bigserial primary key, event_id uuid not null unique, aggregate_id uuid not null,
                aggregate_version int not null, event_type text not null, event_data jsonb not null,
                occurred_on timestamptz not null, unique (aggregate_id, aggregate_version))
            """, ct);
        var check = $"select coalesce(max(aggregate_version), 0) from {table} where aggregate_id = $1";
        var insert = $"insert into {table} " +
                     "(event_id, aggregate_id, aggregate_version, event_type, event_data, occurred_on) " +
                     "values ($1, $2, $3, 'UserRegistered', $4, $5)";

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var e = Synthetic.Registered(n);
            const int expectedVersion = 0;
            await using var connection = await context.DataSource.OpenConnectionAsync(token);
            await using var tx = await connection.BeginTransactionAsync(token);

            await using var select = new Npgsql.NpgsqlCommand(check, connection, tx);
            select.Parameters.AddWithValue(e.UserId);
            var current = (int)(await select.ExecuteScalarAsync(token))!;
            if (current != expectedVersion) throw new InvalidOperationException(
                $"Expected version {expectedVersion}, but current version is {current}");

            await using var command = new Npgsql.NpgsqlCommand(insert, connection, tx);
            command.Parameters.AddWithValue(Guid.NewGuid());
            command.Parameters.AddWithValue(e.UserId);
            command.Parameters.AddWithValue(expectedVersion + 1);
            command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(e, Synthetic.Json));
            command.Parameters.AddWithValue(e.RegisteredAt);
            await command.ExecuteNonQueryAsync(token);
            await tx.CommitAsync(token);
            return true;
        }, ct);

        return [AppendRow.From(Id, "Append: the seed's algorithm (MAX(version) then INSERT)", result)];
    }
}
