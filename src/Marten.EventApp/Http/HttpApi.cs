using System.Text.Json.Serialization;

namespace Marten.EventApp.Http;

/// <summary>The HTTP surface: JSON, problem details for every error, OpenAPI, and the features' endpoints.</summary>
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
        foreach (var feature in app.Services.GetServices<FeatureEndpoints>()) feature.Map(app);
        return app;
    }
}

public sealed record FeatureEndpoints(Action<IEndpointRouteBuilder> Map);

