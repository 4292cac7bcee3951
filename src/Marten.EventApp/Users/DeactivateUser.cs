using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Platform;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

public static class DeactivateUserHandler
{
    public static FieldErrors Validate(DeactivateUser cmd)
    {
        var errors = new FieldErrors();
        errors.Text("reason", cmd.Reason, "Reason", UserRules.MaxReason, required: true);
        errors.Text("deactivatedBy", cmd.DeactivatedBy, "Deactivated by", UserRules.MaxName, required: true);
        UserRules.ExpectedVersion(errors, cmd.ExpectedVersion);
        return errors;
    }

    public static Decision Decide(DeactivateUser cmd, User? user, DateTimeOffset now)
    {
        var errors = Validate(cmd);
        if (errors.Any) return Rejection.Invalid(errors.ToDictionary());
        if (user is null) return Rejection.NotFound("User");
        if (cmd.ExpectedVersion is { } expected && expected != user.Version) return Rejection.VersionMismatch(expected, user.Version);
        if (!user.IsActive) return Rejection.Conflict("User is already deactivated");

        return Decision.Accept(new UserDeactivated(user.Id, cmd.Reason!.Trim(), cmd.DeactivatedBy!.Trim(), now));
    }

    public static Task<CommandOutcome> Handle(DeactivateUser cmd, IDocumentSession session, DateTimeOffset now, CancellationToken ct) =>
        UserStream.Decide(session, cmd.UserId, Validate(cmd), user => Decide(cmd, user, now), ct);
}

public sealed record DeactivateUserRequest(string? Reason, string? DeactivatedBy, long? ExpectedVersion = null);

internal static class DeactivateUserEndpoint
{
    public static Task<Results<Ok<UserVersion>, ProblemHttpResult>> Post(
        Guid id, DeactivateUserRequest body, IMessageBus bus, HttpContext http, CancellationToken ct) =>
        UserStream.Send(id, body.ExpectedVersion,
            expected => new DeactivateUser(id, body.Reason, body.DeactivatedBy, expected), bus, http, ct);
}
