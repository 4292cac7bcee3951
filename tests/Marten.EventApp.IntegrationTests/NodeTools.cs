using System.Diagnostics;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.IntegrationTests;

// a folder under tests/ with its package.json
public sealed class NodeTools(string name)
{
    public string Folder { get; } = Path.Combine(BenchSettings.FindRepoRoot(AppContext.BaseDirectory), "tests", name);

    public async Task InstallAsync()
    {
        var install = await RunAsync("npm", "install", "--no-package-lock", "--no-audit", "--no-fund");
        Assert.True(install.ExitCode == 0, $"npm install in {Folder} failed: {install.Output}");
    }

    public async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)
        {
            WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
