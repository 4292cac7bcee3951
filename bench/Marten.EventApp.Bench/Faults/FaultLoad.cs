using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// Paced at a rate the pipeline keeps up with, so that what is measured after a fault is its recovery, not a backlog
// the load built. Status 0 counts requests that got no answer.
public sealed class FaultLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _clients;
    private volatile HttpClient? _target;
    private readonly ConcurrentBag<HttpClient> _retired = [];
    private long _sequence;

    public ConcurrentBag<Guid> Acknowledged { get; } = [];
    public ConcurrentDictionary<int, long> Refused { get; } = new();
    public string? FirstError { get; private set; }

    // 503 is the service rightly saying "come back"; any other 5xx is a failure
    public long ServerErrors => Refused.Where(r => r.Key >= 500 && r.Key != 503).Sum(r => r.Value);

    private readonly long _interval;
    private long _next = Stopwatch.GetTimestamp();

    private FaultLoad(int clients, int perSecond)
    {
        _interval = Stopwatch.Frequency / perSecond;
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(WriteAsync)).ToArray();
    }

    public static FaultLoad Start(int clients, int perSecond) => new(clients, perSecond);

    // switched only once a first registration went through: a fresh process generates its handlers' code on its first
    // messages, which would otherwise eat a short round
    public async Task TargetAsync(ServiceProcess service, CancellationToken ct)
    {
        var http = Pipeline.Client(service, 32);
        var id = Guid.CreateVersion7();
        using var response = await RegisterAsync(http, id, ct);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new HttpRequestException(
                $"the first registration answered {(int)response.StatusCode}:\n{service.RecentOutput}");
        Acknowledged.Add(id);
        // the previous client is left to finish its requests: disposing it now would fail them on the harness's side
        if (_target is { } previous) _retired.Add(previous);
        _target = http;
    }

    private async Task WriteAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_target is not { } http)
            {
                await Task.Delay(20);
                continue;
            }

            // each write takes the next slot of the rate; a client that falls behind does not catch up in a burst
            var slot = Interlocked.Add(ref _next, _interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slot);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            else if (-wait > TimeSpan.FromSeconds(1))
                Interlocked.CompareExchange(ref _next, Stopwatch.GetTimestamp(), slot);

            var id = Guid.CreateVersion7();
            int status;
            try
            {
                using var response = await RegisterAsync(http, id, _stop.Token);
                status = (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ObjectDisposedException)
            {
                status = 0;
                FirstError ??= e.Message.Split('\n')[0];
            }

            if (status == (int)HttpStatusCode.Created) Acknowledged.Add(id);
            else
            {
                Refused.AddOrUpdate(status, 1, (_, n) => n + 1);
                // a service that is away: no busy loop
                if (status is 0 or 503) await Task.Delay(50);
            }
        }
    }

    private Task<HttpResponseMessage> RegisterAsync(HttpClient http, Guid id, CancellationToken ct)
    {
        var cmd = Synthetic.Registration(Interlocked.Increment(ref _sequence) + 5_000_000);
        return http.PostAsJsonAsync("/api/users", new { id, cmd.Email, cmd.FirstName, cmd.LastName }, ct);
    }

    public string RefusedNote => Refused.IsEmpty ? "none refused"
        : string.Join(", ", Refused.OrderBy(r => r.Key)
              .Select(r => $"{r.Value:N0} {(r.Key == 0 ? "unanswered" : r.Key.ToString())}"))
          + (FirstError is null ? "" : $" (first unanswered: {FirstError})");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        _target?.Dispose();
        foreach (var client in _retired) client.Dispose();
    }
}
