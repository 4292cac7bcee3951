using System.Data.Common;

namespace Marten.EventApp.Persistence;

public static class ConnectionTuning
{
    /// <summary>
    /// Npgsql prepares the statements Marten sends most (appends, upserts, loads) unless the connection string
    /// says otherwise: PostgreSQL then skips parse and plan on each. Plans stay custom: after five runs PostgreSQL
    /// may switch a prepared statement to a generic plan, and the generic plan of the search cannot see its LIKE
    /// pattern and walks the whole lastUpdated index. Both measured: BENCHMARKS.md, "What changes bought".
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Has(params string[] keys) => keys.Any(given.ContainsKey);
        var tuned = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!Has("Max Auto Prepare", "MaxAutoPrepare")) tuned.MaxAutoPrepare = 64;
        if (!Has("Auto Prepare Min Usages", "AutoPrepareMinUsages")) tuned.AutoPrepareMinUsages = 2;
        if (!Has("Options")) tuned.Options = "-c plan_cache_mode=force_custom_plan";
        return tuned.ConnectionString;
    }
}
