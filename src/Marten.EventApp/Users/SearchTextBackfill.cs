namespace Marten.EventApp.Users;

// Users projected before the search column existed have it empty and search would miss them. Registered after the
// schema set-up, which runs first among the hosted services; also keeps the column's statistics target.
internal sealed class SearchTextBackfill(IDocumentStore store, ILogger<SearchTextBackfill> logger) : IHostedService
{
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
            // histogram: the default target misestimated names badly (BENCHMARKS.md, 4c). Altered only when it
            // differs, so a start takes no DDL lock for it.
            await using var statistics = new Npgsql.NpgsqlCommand($"""
                do $$ begin
                  if (select attstattarget from pg_attribute where attrelid = '{table}'::regclass
                      and attname = 'search_text') is distinct from {StatisticsTarget} then
                    alter table {table} alter column search_text set statistics {StatisticsTarget};
                  end if;
                end $$
                """, connection);
            await statistics.ExecuteNonQueryAsync(ct);
            if (filled > 0)
                logger.LogInformation("Filled the search column of {Count} users projected before it existed", filled);
        }
        catch (Npgsql.PostgresException e)
            when (e.SqlState is Npgsql.PostgresErrorCodes.UndefinedTable or Npgsql.PostgresErrorCodes.UndefinedColumn)
        {
            // the schema is not applied on start (EventApp:ApplySchemaOnStartup=false): whoever applies it reruns this
            logger.LogWarning("The users' search column is not there yet: apply the schema and restart to fill it");
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
