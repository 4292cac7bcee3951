using System.Data.Common;

namespace Marten.EventApp.Persistence;

public static class ConnectionTuning
{
    // prepared statements skip parse and plan; plans stay custom because the search's generic plan cannot see its LIKE
    // pattern and walks the whole lastUpdated index (BENCHMARKS.md, "What changes bought")
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
