using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

public static class RegisterUserHandler
{
    public const string DefaultSource = "api";

    public static Decision Decide(RegisterUser cmd, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (cmd.UserId == Guid.Empty) errors.Add("userId", "User ID is required.");
        var email = UserRules.Email(errors, cmd.Email, required: true);
        var firstName = UserRules.Name(errors, ProfileFields.FirstName, cmd.FirstName, "First name", required: true);
        var lastName = UserRules.Name(errors, ProfileFields.LastName, cmd.LastName, "Last name", required: true);
        var source = errors.Text("registrationSource", cmd.RegistrationSource, "Registration source",
            UserRules.MaxName, required: false);
        var locale = UserRules.Locale(errors, cmd.Locale);
        if (errors.Any) return Rejection.Invalid(errors.ToDictionary());

        return Decision.Accept(new UserRegistered(cmd.UserId, email!, firstName!, lastName!, source ?? DefaultSource,
            locale,
            cmd.MarketingConsent ?? false, now));
    }

    // Starting the stream is the existence check; the unique index on active emails, kept by the inline projection in
    // the same transaction, refuses a taken email. Both are refusals.
    public static Task Handle(
        RegisterUser cmd, IDocumentSession session, IMessageContext context, StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.StartAsync<UserDetails>(session, context, cmd.UserId, Decide(cmd, clock.GetUtcNow()), ct);
}

public sealed record RegisterUserRequest(
    Guid? Id,
    string? Email,
    string? FirstName,
    string? LastName,
    string? RegistrationSource,
    string? Locale = null,
    bool? MarketingConsent = null);

public sealed record UserVersion(Guid Id, long Version);

internal static class RegisterUserEndpoint
{
    public static async Task<Results<Created<UserVersion>, ProblemHttpResult>> Post(
        RegisterUserRequest body, IMessageBus bus, HttpContext http, CancellationToken ct)
    {
        // a customer registers itself: the user's id is its token's subject
        var caller = Caller.Of(http.User);
        if (!caller.ActsOnAny && (caller.UserId is not { } own
            || (body.Id ?? own) != own)) return Scopes.NotYours("user");
        var id = body.Id ?? caller.UserId ?? Guid.CreateVersion7();
        var command = new RegisterUser(id, body.Email, body.FirstName, body.LastName, body.RegistrationSource,
            body.Locale,
            body.MarketingConsent);
        var outcome = await bus.InvokeAsync<CommandOutcome>(command, RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(outcome.Version);
        return TypedResults.Created($"/api/users/{id}", new UserVersion(id, outcome.Version));
    }
}
