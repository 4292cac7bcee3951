namespace Marten.EventApp.EventStore;

public static class EventStoreConfiguration
{
    public static IEndpointRouteBuilder MapEventStore(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", EventFeedEndpoints.All).WithTags("Events").WithName("GetEventFeed")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }
}
