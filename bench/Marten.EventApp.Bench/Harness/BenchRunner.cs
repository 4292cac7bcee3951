using System.Diagnostics;
using Npgsql;

namespace Marten.EventApp.Bench.Harness;

public sealed record BenchRun(IReadOnlyList<ResultRow> Rows, string Markdown);

public static class BenchRunner
{
    public static IReadOnlyList<IScenario> Scenarios() =>
        typeof(IScenario).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScenario).IsAssignableFrom(t))
            .Select(t => (IScenario)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Id, StringComparer.Ordinal)
            .ToList();

    public static async Task<BenchRun> RunAsync(BenchSettings settings, TextWriter log, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        await using var context = new BenchContext(settings, log);
        await DropSchemasAsync(context, ct);
        var machine = await Machine.DescribeAsync(context, ct);

        foreach (var scenario in Scenarios().Where(s => settings.Selected(s.Id)))
        {
            await context.SettleAsync(ct);
            context.Log($"scenario {scenario.Id} ({scenario.GetType().Name})");
            var rows = await scenario.RunAsync(context, ct);
            foreach (var row in rows)
            {
                context.Rows.Add(row);
                context.Log($"  {row.Id} {row.Name}:{(row.Rate is { } r ? $" {r:0.#}/s" : "")}" +
                            $"{(row.P99Ms is { } p99 ? $" p50 {row.P50Ms:0.00} ms p99 {p99:0.00} ms" : "")}" +
                            $" {row.Note}");
            }
        }

        context.Rows.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        var markdown = Report.Markdown(context.Rows, machine, settings, at, Stopwatch.GetElapsedTime(started));
        if (settings.OutputFile is { } file) Report.WriteInto(file, markdown);
        return new BenchRun(context.Rows.ToList(), markdown);
    }

    private static async Task DropSchemasAsync(BenchContext context, CancellationToken ct)
    {
        var prefix = context.Settings.SchemaPrefix + "_";
        var names = new List<string>();
        await using (var command = context.DataSource.CreateCommand(
                         "select nspname from pg_namespace where left(nspname, $1) = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = prefix.Length });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        }

        foreach (var name in names) await context.ExecuteAsync($"drop schema \"{name}\" cascade", ct);
    }
}
