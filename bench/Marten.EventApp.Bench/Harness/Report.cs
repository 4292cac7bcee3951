using System.Globalization;
using System.Text;

namespace Marten.EventApp.Bench.Harness;

// written between BENCHMARKS.md's markers, keeping the rest
public static class Report
{
    public const string Begin = "<!-- bench:begin (written by ./bench.sh; edit outside the markers) -->";
    public const string End = "<!-- bench:end -->";
    public const string CeilingId = "1a";

    public static double? Ratio(ResultRow row, IReadOnlyList<ResultRow> rows)
    {
        if (!row.VersusCeiling || row.Rate is not { } rate) return null;
        var ceiling = rows.FirstOrDefault(r => r.Id == CeilingId)?.Rate;
        return ceiling is > 0 ? rate / ceiling : null;
    }

    public static string Markdown(IReadOnlyList<ResultRow> rows, Machine machine, BenchSettings settings,
        DateTimeOffset at, TimeSpan took)
    {
        var md = new StringBuilder();
        md.AppendLine($"Measured {at:yyyy-MM-dd HH:mm} UTC with `{settings.CommandLine}` " +
                      $"in {took.TotalMinutes:0.0} min.");
        md.AppendLine();
        md.AppendLine($"- Machine: {machine.Cores} cores ({machine.Cpu}), {machine.Memory}, {machine.Os}");
        md.AppendLine($"- .NET: {machine.DotNet}; PostgreSQL {machine.PostgreSql} ({machine.PostgreSqlSettings})");
        // the fault suite's rows measure no speed: their loads are described in their names
        if (rows.Any(r => !BenchSettings.IsFault(r.Id)))
            md.AppendLine($"- Load: {settings.Warmup.TotalSeconds:0.#} s warm-up then " +
                          $"{settings.Duration.TotalSeconds:0.#} s measured per load scenario; " +
                          $"{settings.Samples} warm-up + {settings.Samples} timed calls per sequential measurement");
        md.AppendLine();
        md.AppendLine("| # | Scenario | Rate /s | p50 ms | p99 ms | vs 1a | Target | Met | Notes |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|---|---|");
        foreach (var row in rows)
        {
            var ratio = Ratio(row, rows);
            var checks = row.Targets.Select(t => t.Check(row, ratio)).ToList();
            var met = checks.Count == 0 ? "" : checks.All(c => c == true) ? "yes" : "**no**";
            var notes = row.Errors > 0 ? $"{row.Note} **{row.Errors} errors**".Trim() : row.Note;
            md.AppendLine($"| {row.Id} | {row.Name} | {Number(row.Rate, "0")} | {Number(row.P50Ms, "0.00")} | " +
                          $"{Number(row.P99Ms, "0.00")} | {Number(ratio, "0.00")} | " +
                          $"{string.Join("; ", row.Targets.Select(t => t.Text))} | {met} | {notes} |");
        }

        return md.ToString();
    }

    public static void WriteInto(string file, string table)
    {
        var block = $"{Begin}\n{table}{End}";
        var text = File.Exists(file) ? File.ReadAllText(file) : $"# Benchmarks\n\n{Begin}\n{End}\n";
        var from = text.IndexOf(Begin, StringComparison.Ordinal);
        var to = text.IndexOf(End, StringComparison.Ordinal);
        text = from >= 0 && to > from
            ? text[..from] + block + text[(to + End.Length)..]
            : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(file, text);
    }

    private static string Number(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
