using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Marten.EventApp.Security;

namespace Marten.EventApp.Bench.Harness;

public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private ServiceProcess(Process process, Uri baseAddress,
        System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        BaseAddress = baseAddress;
        _output = output;
    }

    public string RecentOutput => string.Join('\n', _output);

    public Uri BaseAddress { get; }

    // one per harness run
    public static readonly string SigningKey =
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static readonly string AdminToken =
        new TokenIssuer(new AuthOptions { SigningKey = SigningKey })
            .Mint("bench", [Authentication.AdminRole], TimeSpan.FromDays(1));

    public HttpClient Client(HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = BaseAddress;
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            AdminToken);
        return http;
    }

    public static async Task<ServiceProcess> StartAsync(BenchContext context, string schema, CancellationToken ct,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = context.Settings.ServiceDll ?? FindServiceDll(context.Settings.RepoRoot);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Marten"] = context.Settings.ConnectionString,
                ["ConnectionStrings__RabbitMq"] = "",
                ["EventApp__SchemaName"] = schema,
                ["EventApp__Auth__SigningKey"] = SigningKey,
                // the load comes from one client (one token): measured unlimited
                ["EventApp__Limits__PermitsPerSecond"] = "0",
                // measured in its own row (9)
                ["EventApp__Onboarding__Enabled"] = "false",
                ["ASPNETCORE_URLS"] = baseAddress.ToString(),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production"
            }
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Keep(output, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Keep(output, e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new ServiceProcess(process, baseAddress, output);
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
                throw new InvalidOperationException(
                    $"the service exited ({process.ExitCode}):\n{string.Join('\n', output)}");
            try
            {
                using var health = await http.GetAsync("/health", ct);
                if (health.IsSuccessStatusCode) return service;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(250, ct);
        }

        await service.DisposeAsync();
        throw new TimeoutException($"the service did not become healthy in 120 s:\n{string.Join('\n', output)}");
    }

    // VmHWM / VmRSS, in MiB
    public (double PeakMiB, double CurrentMiB) Memory()
    {
        var status = $"/proc/{_process.Id}/status";
        if (!File.Exists(status))
        {
            _process.Refresh();
            return (_process.PeakWorkingSet64 / 1048576.0, _process.WorkingSet64 / 1048576.0);
        }

        double Read(string key) => File.ReadLines(status).Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).FirstOrDefault();
        return (Read("VmHWM:"), Read("VmRSS:"));
    }

    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    // kill -9: no shutdown, no goodbye to the other nodes
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> lines, string line)
    {
        lines.Enqueue(line);
        while (lines.Count > 200) lines.TryDequeue(out _);
    }

    private static string FindServiceDll(string repoRoot)
    {
        var bin = Path.Combine(repoRoot, "src", "Marten.EventApp", "bin");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Release";
        var candidates = new[] { configuration, "Release", "Debug" }
            .Select(c => Path.Combine(bin, c, "net10.0", "Marten.EventApp.dll"))
            .Where(File.Exists)
            .ToList();
        return candidates.FirstOrDefault()
               ?? throw new FileNotFoundException(
                   $"no build of the service under {bin}: build the solution first (./bench.sh does)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
