using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

public static class DeactivateUserHandler
{
    // not named Validate: Wolverine would weave that in as middleware and run it before Handle as well
    public static FieldErrors CheckInput(DeactivateUser cmd)
    {
        var errors = new FieldErrors();
        errors.Text("reason", cmd.Reason, "Reason", UserRules.MaxReason, required: true);
        errors.Text("deactivatedBy", cmd.DeactivatedBy, "Deactivated by", UserRules.MaxName, required: true);
        UserRules.ExpectedVersion(errors, cmd.ExpectedVersion);
        return errors;
    }

    public static Decision Decide(DeactivateUser cmd, UserDetails? user, DateTimeOffset now)
    {
        var errors = CheckInput(cmd);
        return errors.Any ? Rejection.Invalid(errors.ToDictionary()) : DecideChecked(cmd, user, now);
    }

    private static Decision DecideChecked(DeactivateUser cmd, UserDetails? user, DateTimeOffset now)
    {
        if (user is null) return Rejection.NotFound("User");
        if (cmd.ExpectedVersion is { } expected && expected != user.Version) return Rejection.VersionMismatch(expected,
            user.Version);
        if (!user.IsActive) return Rejection.Conflict("User is already deactivated");

        return Decision.Accept(new UserDeactivated(user.Id, cmd.Reason!.Trim(), cmd.DeactivatedBy!.Trim(), now));
    }

    public static Task Handle(DeactivateUser cmd, IDocumentSession session, IMessageContext context,
        StreamCommands commands, TimeProvider clock, CancellationToken ct) =>
        commands.AppendAsync<UserDetails>(session, context, cmd.UserId, CheckInput(cmd),
            user => DecideChecked(cmd, user, clock.GetUtcNow()), ct);
}

// who deactivates is the token's subject, never a field a client fills in
public sealed record DeactivateUserRequest(string? Reason, long? ExpectedVersion = null);

internal static class DeactivateUserEndpoint
{
    public static Task<Results<Ok<UserVersion>, ProblemHttpResult>> Post(
        Guid id, DeactivateUserRequest body, IMessageBus bus, HttpContext http, CancellationToken ct) =>
        UserStream.Send(id, body.ExpectedVersion,
            expected => new DeactivateUser(id, body.Reason, http.User.Identity?.Name, expected), bus, http, ct);
}
