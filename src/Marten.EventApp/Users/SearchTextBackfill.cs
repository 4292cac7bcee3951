namespace Marten.EventApp.Users;

/// <summary>
/// Users projected before the search column existed have it empty, and search would not find them: filled once at
/// start, as the projection writes it for new ones (<see cref="UserDetails.SearchText"/>). Registered after the
/// schema set-up, which runs first among the hosted services; one scan of the table when nothing is missing. Also
/// keeps the column's statistics target.
/// </summary>
internal sealed class SearchTextBackfill(IDocumentStore store, ILogger<SearchTextBackfill> logger) : IHostedService
{
    /// <summary>How many values PostgreSQL keeps in the search column's statistics.</summary>
    public const int StatisticsTarget = 1_000;

    public async Task StartAsync(CancellationToken ct)
    {
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        await using var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            await using var update = new Npgsql.NpgsqlCommand($"""
                update {table} set search_text = lower(data ->> 'fullName') || chr(31) || lower(data ->> 'email')
                where search_text is null
                """, connection);
            var filled = await update.ExecuteNonQueryAsync(ct);
            // The search picks its plan from PostgreSQL's estimate of a term's matches, read from this column's
            // histogram: 100 values (the default) left a name of one user in 40 estimated at anything from 0 to 50,000
            // at a million users; 1,000 keep it near (BENCHMARKS.md, 4c). Taken at the next ANALYZE; altered only when
            // it differs, so a start takes no DDL lock for it
            await using var statistics = new Npgsql.NpgsqlCommand($"""
                do $$ begin
                  if (select attstattarget from pg_attribute where attrelid = '{table}'::regclass and attname = 'search_text') is distinct from {StatisticsTarget} then
                    alter table {table} alter column search_text set statistics {StatisticsTarget};
                  end if;
                end $$
                """, connection);
            await statistics.ExecuteNonQueryAsync(ct);
            if (filled > 0) logger.LogInformation("Filled the search column of {Count} users projected before it existed", filled);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState is Npgsql.PostgresErrorCodes.UndefinedTable or Npgsql.PostgresErrorCodes.UndefinedColumn)
        {
            // the schema is not applied on start (EventApp:ApplySchemaOnStartup=false): whoever applies it runs this
            // again
            logger.LogWarning("The users' search column is not there yet: apply the schema and restart to fill it");
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
