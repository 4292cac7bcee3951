using System.Globalization;
using System.Threading.RateLimiting;
using Marten.EventApp.Operations;
using Microsoft.AspNetCore.RateLimiting;

namespace Marten.EventApp.Http;

public sealed class RequestLimitOptions
{
    public const string Section = "EventApp:Limits";

    // 0 turns the limit off
    public int PermitsPerSecond { get; set; } = 500;

    public int Burst { get; set; } = 1_000;

    // a bucket of their own: probes and scrapes never use up a client's API budget, nor does a flood go unlimited
    public int OperationsPermitsPerSecond { get; set; } = 20;

    public long MaxBodyBytes { get; set; } = 1_048_576;

    public static RequestLimitOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<RequestLimitOptions>() ?? new();
}

public static class RequestLimits
{
    public static WebApplicationBuilder AddRequestLimits(this WebApplicationBuilder builder)
    {
        var options = RequestLimitOptions.From(builder.Configuration);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var operational = Telemetry.IsOperational(http.Request.Path);
                var (perSecond, burst) = operational
                    ? (options.OperationsPermitsPerSecond, 2 * options.OperationsPermitsPerSecond)
                    : (options.PermitsPerSecond, options.Burst);
                return perSecond <= 0
                    ? RateLimitPartition.GetNoLimiter("unlimited")
                    : RateLimitPartition.GetTokenBucketLimiter((operational ? "operations:" : "api:") + ClientOf(http),
                        _ => new TokenBucketRateLimiterOptions
                        {
                            TokenLimit = Math.Max(burst, perSecond),
                            TokensPerPeriod = perSecond,
                            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                            QueueLimit = 0,
                            AutoReplenishment = true
                        });
            });
            o.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter,
                    out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    .ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>()
                    .WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "Too many requests a second from this client; try again after " +
                                 $"{http.Response.Headers.RetryAfter} s."
                    }
                });
            };
        });
        return builder;
    }

    private static string ClientOf(HttpContext http) => http.User.Identity is { IsAuthenticated: true, Name: { } name }
        ? "subject:" + name
        : "address:" + http.Connection.RemoteIpAddress;
}
