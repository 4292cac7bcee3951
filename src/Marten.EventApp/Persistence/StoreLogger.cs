using Marten.Services;
using Npgsql;

namespace Marten.EventApp.Persistence;

// Refusals are answers, one Debug line each (Marten's default logger wrote several multi-line errors per refusal).
// Parameters are never logged: they hold personal data.
internal sealed class StoreLogger(ILogger logger, StoreRules rules) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Schema change:\n{Sql}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
        if (logger.IsEnabled(LogLevel.Debug)) logger.LogDebug("Executed {Sql}", command.CommandText);
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Executed {Sql}",
                string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));
    }

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failure(ex, command.CommandText);

    public void LogFailure(NpgsqlBatch batch, Exception ex) =>
        Failure(ex, string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));

    public void LogFailure(Exception ex, string message) => Failure(ex, message);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    private void Failure(Exception ex, string what)
    {
        if (rules.IsExpected(ex))
        {
            if (logger.IsEnabled(LogLevel.Debug)) logger.LogDebug("Refused by the store: {Reason}", ex.Message);
            return;
        }

        logger.LogError(ex, "Marten command failed: {Sql}", what);
    }
}
