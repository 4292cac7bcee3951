using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.IntegrationTests.Platform;

/// <summary>
/// ./run.sh in a terminal: Ctrl-C sends SIGINT to the whole foreground process group (the script and the service it
/// started). Both must stop. The script runs in a process group of its own, and gets SIGINT as a terminal sends it.
/// </summary>
[Collection(OwnHostsCollection.Name)]
public sealed class when_run_sh_gets_ctrl_c
{
    [Fact]
    public async Task the_service_and_the_script_stop_and_leave_no_process()
    {
        var repo = BenchSettings.FindRepoRoot(AppContext.BaseDirectory);
        var port = FreePorts.Next();
        // SIGINT back to its default first: a shell started from a background job ignores it, as a terminal's never does
        var start = new ProcessStartInfo("setsid", ["env", "--default-signal=INT", "bash", Path.Combine(repo, "run.sh")])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        start.Environment["ConnectionStrings__Marten"] = await TestDatabase.ConnectionString();
        start.Environment["EventApp__SchemaName"] = "eventapp_ctrl_c";
        start.Environment["EVENTAPP_URL"] = $"http://127.0.0.1:{port}";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // not a group leader, setsid (then env) runs bash in place: the process id is the new group's id
        using var script = Process.Start(start)!;
        void Read(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (e.Data.Contains("Application started", StringComparison.Ordinal)) started.TrySetResult();
        }
        script.OutputDataReceived += Read;
        script.ErrorDataReceived += Read;
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();

        var phase = "starting";
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromMinutes(3));
            phase = "stopping on SIGINT";
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
                // the admin token run.sh printed opens the API; without it, 401
                var token = output.Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("export TOKEN=", StringComparison.Ordinal))?["export TOKEN=".Length..];
                Assert.False(string.IsNullOrEmpty(token), "run.sh printed no token");
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/sagas")).StatusCode);
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/admin/projections")).StatusCode);
                // Kestrel's body limit (1 MiB) answers as problem details
                var oversized = await http.PostAsync("/api/users", new StringContent(
                    $"{{\"email\":\"big@example.com\",\"firstName\":\"{new string('x', 2 * 1024 * 1024)}\",\"lastName\":\"B\"}}",
                    System.Text.Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
                Assert.Equal("application/problem+json", oversized.Content.Headers.ContentType?.MediaType);

                // the customer's token it printed acts on that user alone
                var customer = output.Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("export CUSTOMER_TOKEN=", StringComparison.Ordinal))?
                    ["export CUSTOMER_TOKEN=".Length..];
                Assert.False(string.IsNullOrEmpty(customer), "run.sh printed no customer token");
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", customer);
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/users/01a211e0-0000-7000-8000-000000000001")).StatusCode);
                Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/users/{Guid.NewGuid()}")).StatusCode);
            }

            await Run("kill", "-INT", "--", $"-{script.Id}");
            await script.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(130, script.ExitCode);
            Assert.Equal(1, await Run("pgrep", "-g", script.Id.ToString())); // 1: no process left in the group
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            // what is still running in the script's group, and in which state, says where it hangs
            Assert.Fail($"run.sh failed while {phase}: {e.Message}\n{await Output("ps", "-o", "pid,ppid,stat,etime,args", "-g", script.Id.ToString())}\n{string.Join('\n', output)}");
        }
        finally
        {
            await Run("kill", "-KILL", "--", $"-{script.Id}");
        }
    }

    private static async Task<string> Output(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }

    private static async Task<int> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
