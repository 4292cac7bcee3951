using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Marten.EventApp.Http;

// what endpoints do not declare one by one; checked with Redocly's recommended rules (when_reading_the_api_documents)
internal sealed partial class OpenApiConventions : IOpenApiOperationTransformer, IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Users"] = "Register, change, deactivate and erase users; their read model, search, history and preferences.",
        ["Orders"] = "Place orders, report shipments, and read orders with the state of their process.",
        ["Events"] = "The event store's global feed, in commit order.",
        ["Sagas"] =
            "The onboarding and order processes: their state, steps, timers and timeline, and operators' actions.",
        ["Dead letters"] = "Messages no handler could take, by failure group, and the sequences parked behind them.",
        ["Projections"] = "The async projections' progress and lag, and their rebuilds.",
        ["Analytics"] = "Registrations and orders over time, from the analytics projection.",
        ["Monitoring"] = "The event system's health: rates, failures and alerts.",
        ["Console"] = "What the operator console's pages show that no other endpoint answers in one request."
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context,
        CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (string.IsNullOrEmpty(operation.Summary) && operation.OperationId is { } id)
            operation.Summary = Sentence(id);
        if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401",
            new OpenApiResponse { Description = "No bearer token, or one not valid here" });
        operation.Responses.TryAdd("403",
            new OpenApiResponse { Description = "The token lacks the role or scope this needs" });
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context,
        CancellationToken ct)
    {
        document.Tags = Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }).ToHashSet();
        // relative to where the document is read: the address a request came in on is not the service's for others
        document.Servers = [new OpenApiServer { Url = "/", Description = "The service this document was read from" }];
        document.Info.License ??= new OpenApiLicense
        {
            Name = "Proprietary: all rights reserved (no license is granted)", Identifier = "LicenseRef-Proprietary"
        };
        return Task.CompletedTask;
    }

    private static string Sentence(string name)
    {
        var words = WordStart().Split(name).Where(w => w.Length > 0).ToList();
        return string.Join(' ', words.Select((w, i) => i == 0 ? w : w.ToLowerInvariant()));
    }

    [GeneratedRegex("(?<!^)(?=[A-Z])")]
    private static partial Regex WordStart();
}
