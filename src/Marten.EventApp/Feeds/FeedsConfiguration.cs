using Marten.EventApp.Http;
using Marten.EventApp.Security;

namespace Marten.EventApp.Feeds;

public static class FeedsConfiguration
{
    public static WebApplicationBuilder AddEventFeeds(this WebApplicationBuilder builder) =>
        builder.AddEndpoints(app => app.MapGet("/api/events", EventFeedEndpoints.All).WithTags("Events")
            .WithName("GetEventFeed").RequireScope(Scopes.EventsRead, anyOwner: true)
                .ProducesProblem(StatusCodes.Status400BadRequest));
}
