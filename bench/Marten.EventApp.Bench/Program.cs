using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench;

// ./bench.sh runs this against a throwaway PostgreSQL. Options: --only 1a,4 · --duration · --warmup · --smoke ·
// --output BENCHMARKS.md · --service-dll path · --command-line text
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Marten");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine(
                "ConnectionStrings__Marten is not set: run ./bench.sh, which starts a throwaway PostgreSQL.");
            return 2;
        }

        var repoRoot = BenchSettings.FindRepoRoot(AppContext.BaseDirectory);
        var rabbitMq = Environment.GetEnvironmentVariable("ConnectionStrings__RabbitMq") is { Length: > 0 } uri
            ? new Uri(uri) : null;
        var settings = args.Contains("--smoke") ? BenchSettings.Smoke(connectionString, repoRoot, rabbitMq)
            : new BenchSettings { ConnectionString = connectionString, RepoRoot = repoRoot, RabbitMq = rabbitMq };
        for (var i = 0; i + 1 < args.Length; i++)
        {
            var value = args[i + 1];
            settings = args[i] switch
            {
                "--only" => settings with { Only = value.Split(',',
                    StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--duration" => settings with { Duration = TimeSpan.FromSeconds(double.Parse(value)) },
                "--warmup" => settings with { Warmup = TimeSpan.FromSeconds(double.Parse(value)) },
                "--output" => settings with { OutputFile = Path.GetFullPath(value) },
                "--service-dll" => settings with { ServiceDll = Path.GetFullPath(value) },
                "--command-line" => settings with { CommandLine = value },
                "--writers" => settings with { Writers = int.Parse(value) },
                "--bus-rate" => settings with { BusRate = int.Parse(value) },
                "--rebuild-events" => settings with { RebuildEvents = int.Parse(value) },
                "--sustained" => settings with { Sustained = TimeSpan.FromSeconds(double.Parse(value)) },
                _ => settings
            };
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var run = await BenchRunner.RunAsync(settings, Console.Out, cancel.Token);
        Console.WriteLine();
        Console.WriteLine(run.Markdown);
        return run.Rows.Any(r => r.Errors > 0) ? 1 : 0;
    }
}
