using JasperFx.Events.Projections;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Marten.EventApp.Security;
using Microsoft.Extensions.Options;

namespace Marten.EventApp.Analytics;

public static class AnalyticsConfiguration
{
    // the seed's analytics (section 5): an async projection over every event, and its queries
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder)
    {
        var schema = EventAppOptions.From(builder.Configuration).SchemaName;
        builder.Services.ConfigureMarten((services, opts) => opts.Projections.Add(
            new AnalyticsProjection(schema, () => services.GetRequiredService<IOptions<WireFormat>>().Value),
            ProjectionLifecycle.Async));
        return builder.AddEndpoints(app =>
        {
            var analytics = app.MapGroup("/api/analytics").WithTags("Analytics")
                .RequireScope(Scopes.OperationsRead, anyOwner: true);
            analytics.MapGet("/daily", AnalyticsEndpoints.Daily).WithName("GetDailyMetrics")
                .ProducesProblem(StatusCodes.Status400BadRequest);
            analytics.MapGet("/events", AnalyticsEndpoints.Events).WithName("GetEventCounts")
                .ProducesProblem(StatusCodes.Status400BadRequest);
        });
    }
}
