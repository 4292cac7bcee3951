using System.Text.Json.Serialization;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Marten.EventApp.Http;

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
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityScheme>()
            .AddDocumentTransformer<OpenApiConventions>().AddOperationTransformer<OpenApiConventions>());
        return builder.AddSecurity().AddRequestLimits();
    }

    public static WebApplicationBuilder AddEndpoints(this WebApplicationBuilder builder,
        Action<IEndpointRouteBuilder> map)
    {
        builder.Services.AddSingleton(new FeatureEndpoints(map));
        return builder;
    }

    public static WebApplication MapHttpApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        // after authentication (the caller is its partition), before authorization (a flood of 401s is limited too)
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseOutputCache();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Marten.EventApp")).AllowAnonymous();
        // the features' endpoints in one group: its convention puts the admin role on every /api/admin route
        var endpoints = app.MapGroup("").RequireAdminUnderAdminPrefix();
        foreach (var feature in app.Services.GetServices<FeatureEndpoints>()) feature.Map(endpoints);
        return app;
    }
}

public sealed record FeatureEndpoints(Action<IEndpointRouteBuilder> Map);

internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context,
        CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with role admin for /api/admin (./run.sh prints one; ./run.sh -- token --role admin " +
                          "mints others)"
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer",
            document)] = [] }];
        return Task.CompletedTask;
    }
}
