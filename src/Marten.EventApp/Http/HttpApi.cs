using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Marten.EventApp.Http;

/// <summary>The HTTP surface: JSON, problem details for every error, OpenAPI, health, and the features' endpoints.</summary>
public static class HttpApi
{
    public static WebApplicationBuilder AddHttpApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // binding failures reach ProblemExceptionHandler, which answers them with their message as problem details
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        return builder;
    }

    /// <summary>A feature's endpoints, mapped by <see cref="MapHttpApi"/> once the app is built.</summary>
    public static WebApplicationBuilder AddEndpoints(this WebApplicationBuilder builder, Action<IEndpointRouteBuilder> map)
    {
        builder.Services.AddSingleton(new FeatureEndpoints(map));
        return builder;
    }

    public static WebApplication MapHttpApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResultStatusCodes = { [HealthStatus.Degraded] = 200 } });
        foreach (var feature in app.Services.GetServices<FeatureEndpoints>()) feature.Map(app);
        return app;
    }
}

public sealed record FeatureEndpoints(Action<IEndpointRouteBuilder> Map);

/// <summary>Readiness: the event store's database answers a query.</summary>
internal sealed class PostgresHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var session = store.QuerySession();
            await session.QueryAsync<int>("select 1", ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer", e);
        }
    }
}
