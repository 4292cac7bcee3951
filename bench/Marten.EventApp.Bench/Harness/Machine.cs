using System.Runtime.InteropServices;

namespace Marten.EventApp.Bench.Harness;

public sealed record Machine(string Cpu, int Cores, string Memory, string Os, string DotNet, string PostgreSql,
    string PostgreSqlSettings)
{
    public static async Task<Machine> DescribeAsync(BenchContext context, CancellationToken ct)
    {
        var cpu = ProcValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ProcValue("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = long.TryParse(memKb, out var kb) ? $"{kb / 1024.0 / 1024.0:0.0} GiB" : "unknown";
        var version = await context.ScalarAsync<string>("show server_version", ct);
        var settings = new List<string>();
        foreach (var name in new[] { "fsync", "synchronous_commit", "shared_buffers", "max_connections" })
            settings.Add($"{name}={await context.ScalarAsync<string>($"show {name}", ct)}");

        return new Machine(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, version, string.Join(", ", settings));
    }

    private static string? ProcValue(string file, string key)
    {
        if (!File.Exists(file)) return null;
        return File.ReadLines(file)
            .Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':') + 1)..].Trim())
            .FirstOrDefault();
    }
}
