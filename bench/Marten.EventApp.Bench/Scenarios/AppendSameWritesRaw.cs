using System.Text.Json;
using Marten.EventApp.Bench.Harness;
using Npgsql;
using NpgsqlTypes;

namespace Marten.EventApp.Bench.Scenarios;

// 1e: 1c's writes by hand in raw Npgsql, one batch and one transaction into the service's own tables and indexes:
// 1c/1e is what Marten and Wolverine cost over hand-written SQL, 1e/1a what the data model costs.
public sealed class AppendSameWritesRaw : IScenario
{
    public string Id => "1e";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        // the service creates its schema on start; nothing of it runs while this measures
        var schema = context.Schema("same");
        await context.ServiceHost(schema);
        await context.DisposeHostAsync(schema);

        var result = await Load.RunAsync(context.Settings.Writers, context.Settings, async (n, token) =>
        {
            var e = Synthetic.Registered(n);
            var fullName = $"{e.FirstName} {e.LastName}";
            await using var connection = await context.DataSource.OpenConnectionAsync(token);
            await using var transaction = await connection.BeginTransactionAsync(token);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Command($"insert into {schema}.mt_streams (id, type, version, tenant_id) " +
                            "values ($1, 'user_details', 1, '*DEFAULT*')", e.UserId),
                    Command($"""
                        insert into {schema}.mt_events (data, type, mt_dotnet_type, id, stream_id, version, timestamp,
                                                        tenant_id, headers, seq_id)
                        values ($1, 'user_registered_v2',
                                'Marten.EventApp.Contracts.Users.UserRegistered, Marten.EventApp.Contracts',
                                $2, $3, 1, $4, '*DEFAULT*', $5, nextval('{schema}.mt_events_sequence'))
                        """, Json(e), Guid.CreateVersion7(), e.UserId, e.RegisteredAt,
                        Json(new Dictionary<string, int> { ["schema-version"] = 2 })),
                    Command($"""
                        insert into {schema}.mt_doc_userdetails (id, data, mt_version, mt_dotnet_type, last_updated,
                                                                 search_text)
                        values ($1, $2, 1, 'Marten.EventApp.Users.UserDetails', $3, $4)
                        on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version,
                          last_updated = excluded.last_updated,
                          search_text = excluded.search_text, mt_last_modified = transaction_timestamp()
                        """, e.UserId, Json(new
                    {
                        id = e.UserId, e.Email, e.Locale, address = (object?)null, version = 1, fullName,
                        isActive = true, e.LastName,
                        birthDate = (object?)null, e.FirstName, lastUpdated = e.RegisteredAt,
                        phoneNumber = (object?)null,
                        deactivatedAt = (object?)null, e.MarketingConsent, registrationDate = e.RegisteredAt,
                        profilePictureUrl = (object?)null,
                        deactivationReason = (object?)null, e.RegistrationSource, profileCompleteness = 60
                    }), e.RegisteredAt, $"{fullName.ToLowerInvariant()}\u001f{e.Email.ToLowerInvariant()}")
                }
            };
            await batch.ExecuteNonQueryAsync(token);
            await transaction.CommitAsync(token);
            return true;
        }, ct);

        var ours = context.Rows.FirstOrDefault(r => r.Id == "1c");
        return
        [
            AppendRow.From(Id, "Append: 1c's three writes by hand (raw Npgsql, one batch, one transaction)",
                result) with
            {
                Note = ($"{(ours?.Rate is { } rate ? $"1c is {rate / result.Rate:0.00} of this (goal ≥ 0.85)" : "")} " +
                        $"{result.ErrorNote}").Trim()
            }
        ];
    }

    private static NpgsqlParameter Json(object value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(value, Synthetic.Json) };

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(p as NpgsqlParameter ?? new NpgsqlParameter { Value = p });
        return command;
    }
}
