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
        var connectionString = await TestDatabase.ConnectionString();
        var (script, output) = await StartedAsync(repo, env =>
        {
            env["ConnectionStrings__Marten"] = connectionString;
            env["EventApp__SchemaName"] = "eventapp_ctrl_c";
            env["EVENTAPP_URL"] = $"http://127.0.0.1:{port}";
        });
        using var _ = script;
        // where run.sh notes the service it started, by a hash of its address
        var url = System.Text.Encoding.UTF8.GetBytes($"http://127.0.0.1:{port}");
        var note = Path.Combine(repo, ".local",
            $"run-{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(url))[..8]}.pid");

        var phase = "serving";
        try
        {
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
                // a terminal a person reads: plain lines, no JSON objects
                Assert.Contains(output, l => l.Contains("info: "));
                Assert.DoesNotContain(output,
                    l => l.TrimStart().StartsWith("{\"Timestamp\"", StringComparison.Ordinal));
                // the admin token run.sh printed opens the API; without it, 401
                var token = output.Select(l => l.Trim())
                    .LastOrDefault(l => l.StartsWith("export TOKEN=",
                    StringComparison.Ordinal))?["export TOKEN=".Length..];
                Assert.False(string.IsNullOrEmpty(token), "run.sh printed no token");
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/sagas")).StatusCode);
                http.DefaultRequestHeaders.Authorization =
                    new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/admin/projections")).StatusCode);
                // Kestrel's body limit answers as problem details. Expect: 100-continue as curl sends it: without
                // it the server may close the connection while the body is still being written
                using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/users")
                {
                    Content = new StringContent(
                        $"{{\"email\":\"big@example.com\",\"firstName\":\"{new string('x', 2 * 1024 * 1024)}\"}}",
                        System.Text.Encoding.UTF8, "application/json")
                };
                tooLarge.Headers.ExpectContinue = true;
                var oversized = await http.SendAsync(tooLarge);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
                Assert.Equal("application/problem+json", oversized.Content.Headers.ContentType?.MediaType);

                // the customer's token it printed acts on that user alone
                var customer = output.Select(l => l.Trim())
                    .LastOrDefault(l => l.StartsWith("export CUSTOMER_TOKEN=", StringComparison.Ordinal))?
                    ["export CUSTOMER_TOKEN=".Length..];
                Assert.False(string.IsNullOrEmpty(customer), "run.sh printed no customer token");
                http.DefaultRequestHeaders.Authorization =
                    new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", customer);
                Assert.Equal(HttpStatusCode.NotFound,
                    (await http.GetAsync("/api/users/01a211e0-0000-7000-8000-000000000001")).StatusCode);
                Assert.Equal(HttpStatusCode.Forbidden,
                    (await http.GetAsync($"/api/users/{Guid.NewGuid()}")).StatusCode);
            }

            Assert.True(File.Exists(note), $"run.sh noted no service in {note}");
            phase = "stopping on SIGINT";
            await Run("kill", "-INT", "--", $"-{script.Id}");
            await script.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(130, script.ExitCode);
            Assert.Equal(1, await Run("pgrep", "-g", script.Id.ToString())); // 1: no process left in the group
            // nor the note of its service, kept for a run after a hard kill
            Assert.False(File.Exists(note), $"{note} is left");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            // what is still running in the script's group, and in which state, says where it hangs
            Assert.Fail($"run.sh failed while {phase}: {e.Message}\n" +
                $"{await Output("ps", "-o", "pid,ppid,stat,etime,args", "-g", script.Id.ToString())}\n" +
                $"{string.Join('\n', output)}");
        }
        finally
        {
            await Run("kill", "-KILL", "--", $"-{script.Id}");
        }
    }

    /// <summary>
    /// The script killed hard (kill -9 of the script alone, as when its terminal dies): its service and PostgreSQL are
    /// left running. The next ./run.sh stops them and serves; its Ctrl-C then leaves nothing of either run.
    /// </summary>
    [Fact]
    public async Task after_the_script_is_killed_hard_the_next_run_takes_over()
    {
        var repo = BenchSettings.FindRepoRoot(AppContext.BaseDirectory);
        var root = Path.Combine(repo, ".local", "run-killed-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{FreePorts.Next()}";
        Process? first = null, second = null;
        try
        {
            (first, var firstOutput) = await StartedAsync(repo, root, url);
            Assert.Equal(0, await Run("kill", "-KILL", first.Id.ToString()));
            // not WaitForExitAsync: it also waits for the end of the output, which the service left running holds open
            while (!first.HasExited) await Task.Delay(50);
            Assert.Equal(0, await Run("pgrep", "-g", first.Id.ToString())); // 0: the service and PostgreSQL were left

            (second, var output) = await StartedAsync(repo, root, url);
            using (var http = new HttpClient { BaseAddress = new Uri(url) })
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            Assert.Contains(output, l => l.Contains("stopping the service an earlier run left running"));
            Assert.Contains(output, l => l.Contains("stopping the PostgreSQL an earlier run left running"));

            await Run("kill", "-INT", "--", $"-{second.Id}");
            await second.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(1, await Run("pgrep", "-g", second.Id.ToString()));
            Assert.Equal(1, await Run("pgrep", "-g", first.Id.ToString()));
            Assert.Equal(1, await Run("pgrep", "-f", root));
        }
        finally
        {
            foreach (var script in new[] { first, second }.OfType<Process>())
                await Run("kill", "-KILL", "--", $"-{script.Id}");
            await Run("pkill", "-KILL", "-f", root);
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>./run.sh with its own data folder and address, provisioning its own PostgreSQL, once it
    /// serves.</summary>
    private static Task<(Process Script, IReadOnlyCollection<string> Output)> StartedAsync(string repo, string root,
        string url) =>
        StartedAsync(repo, env =>
        {
            // the servers are run.sh's own, not the tests'
            env.Remove("ConnectionStrings__Marten");
            env.Remove("ConnectionStrings__RabbitMq");
            env["EVENTAPP_LOCAL_ROOT"] = root;
            env["EVENTAPP_URL"] = url;
            env["EventApp__SchemaName"] = "eventapp_run_killed";
        });

    /// <summary>
    /// ./run.sh in a process group of its own, as a terminal runs it, once it serves. SIGINT back to its default first:
    /// a shell started from a background job ignores it, as a terminal's never does. Not a group leader, setsid (then
    /// env) runs bash in place: the process id is the new group's id.
    /// </summary>
    private static async Task<(Process Script, IReadOnlyCollection<string> Output)> StartedAsync(string repo,
        Action<IDictionary<string, string?>> environment)
    {
        var start = new ProcessStartInfo("setsid",
            ["env", "--default-signal=INT", "bash", Path.Combine(repo, "run.sh")])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        environment(start.Environment);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = Process.Start(start)!;
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
        var exited = script.WaitForExitAsync();
        if (await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromMinutes(3))) != started.Task)
            Assert.Fail($"run.sh did not serve:\n{string.Join('\n', output.TakeLast(40))}");
        return (script, output);
    }

    private static async Task<string> Output(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true,
            RedirectStandardError = true })!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }

    private static async Task<int> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true,
            RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
