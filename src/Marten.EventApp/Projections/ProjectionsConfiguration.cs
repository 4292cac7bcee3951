using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Projections;

public static class ProjectionsConfiguration
{
    public static WebApplicationBuilder AddProjectionOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProjectionRebuilds>();
        return builder.AddEndpoints(app =>
        {
            var group = app.MapGroup("/api/admin/projections").WithTags("Projections");
            group.MapGet("", ProjectionStatusEndpoint.Get).WithName("ListProjections");
            group.MapPost("/{name}/rebuild", RebuildEndpoints.Start).WithName("RebuildProjection")
                .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
            group.MapGet("/{name}/rebuilds/{id:guid}", RebuildEndpoints.Get).WithName("GetProjectionRebuild")
                .ProducesProblem(StatusCodes.Status404NotFound);
            group.MapGet("/skipped-events", SkippedEventEndpoints.List).WithName("ListSkippedEvents")
                .ProducesProblem(StatusCodes.Status400BadRequest);
            group.MapPost("/skipped-events/{id:guid}/retry", SkippedEventEndpoints.Retry).WithName("RetrySkippedEvent")
                .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        });
    }
}

internal static class RebuildEndpoints
{
    // under the projection's name: a path beside the projections would read as both
    public static string StatusUrl(RebuildStatus rebuild) =>
        $"/api/admin/projections/{rebuild.Projection}/rebuilds/{rebuild.Id}";

    public static async Task<Results<Accepted<RebuildStatus>, ProblemHttpResult>> Start(
        string name, IDocumentStore store, ProjectionRebuilds rebuilds)
    {
        var source = ((StoreOptions)store.Options)
            .Projections.All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (source is null || source.Lifecycle == JasperFx.Events.Projections.ProjectionLifecycle.Live)
            return TypedResults.Problem(
                $"There is no projection named '{name}' (GET /api/admin/projections lists them).",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown projection");
        RebuildStatus? started, running;
        try
        {
            (started, running) = await rebuilds.StartAsync(source);
        }
        catch (RebuildRunningElsewhereException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict,
                title: "A rebuild is running");
        }

        if (running is not null)
        {
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "A rebuild is running",
                Detail = $"Projection {source.Name} is being rebuilt: {StatusUrl(running)}"
            };
            problem.Extensions["rebuild"] = StatusUrl(running);
            return TypedResults.Problem(problem);
        }

        return TypedResults.Accepted(StatusUrl(started!), started);
    }

    public static Results<Ok<RebuildStatus>, ProblemHttpResult> Get(string name, Guid id,
        ProjectionRebuilds rebuilds) =>
        rebuilds.Find(id) is { } status && string.Equals(status.Projection, name, StringComparison.OrdinalIgnoreCase)
            ? TypedResults.Ok(status)
            : TypedResults.Problem("No such rebuild on this node (the last 50 are kept).",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown rebuild");
}
