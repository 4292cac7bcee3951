using System.Globalization;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

public static class UpdateUserProfileHandler
{
    // not named Validate: Wolverine would weave that in as middleware and run it before Handle as well
    public static (Dictionary<string, string?> Values, FieldErrors Errors) CheckInput(UpdateUserProfile cmd,
        DateTimeOffset now)
    {
        var errors = new FieldErrors();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Set(string field, string? value) { if (value is not null) values[field] = value; }

        Set(ProfileFields.Email, UserRules.Email(errors, cmd.Email, required: false));
        Set(ProfileFields.FirstName,
            UserRules.Name(errors, ProfileFields.FirstName, cmd.FirstName, "First name", required: false));
        Set(ProfileFields.LastName,
            UserRules.Name(errors, ProfileFields.LastName, cmd.LastName, "Last name", required: false));
        Set(ProfileFields.PhoneNumber, UserRules.Phone(errors, cmd.PhoneNumber));
        Set(ProfileFields.Address,
            errors.Text(ProfileFields.Address, cmd.Address, "Address", UserRules.MaxAddress, required: false));
        UserRules.BirthDate(errors, cmd.BirthDate, now);
        Set(ProfileFields.BirthDate, cmd.BirthDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Set(ProfileFields.ProfilePictureUrl, UserRules.PictureUrl(errors, cmd.ProfilePictureUrl));
        UserRules.ExpectedVersion(errors, cmd.ExpectedVersion);

        foreach (var field in cmd.Clear ?? [])
        {
            if (!ProfileFields.Optional.Contains(field))
                errors.Add("clear",
                    $"'{field}' cannot be cleared; only {string.Join(", ", ProfileFields.Optional)} can.");
            else if (!values.TryAdd(field, null))
                errors.Add("clear", $"'{field}' cannot be both set and cleared.");
        }

        return (values, errors);
    }

    public static Decision Decide(UpdateUserProfile cmd, UserDetails? user, DateTimeOffset now)
    {
        var (values, errors) = CheckInput(cmd, now);
        return errors.Any ? Rejection.Invalid(errors.ToDictionary()) : Decide(cmd, values, user, now);
    }

    private static Decision Decide(UpdateUserProfile cmd, Dictionary<string, string?> values, UserDetails? user,
        DateTimeOffset now)
    {
        if (user is null) return Rejection.NotFound("User");
        if (cmd.ExpectedVersion is { } expected && expected != user.Version) return Rejection.VersionMismatch(expected,
            user.Version);
        if (!user.IsActive) return Rejection.Conflict("User is deactivated",
            "A deactivated user's profile cannot be updated.");

        var updated = new Dictionary<string, string?>(StringComparer.Ordinal);
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (field, value) in values)
        {
            var current = user.Profile()[field];
            if (string.Equals(current, value, StringComparison.Ordinal)) continue;
            updated[field] = value;
            previous[field] = current;
        }

        return updated.Count == 0
            ? Decision.Nothing
            : Decision.Accept(new UserProfileUpdated(user.Id, updated, previous, now));
    }

    public static Task Handle(UpdateUserProfile cmd, IDocumentSession session, IMessageContext context,
        StreamCommands commands, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (values, errors) = CheckInput(cmd, now);
        return commands.AppendAsync<UserDetails>(session, context, cmd.UserId, errors,
            user => Decide(cmd, values, user, now), ct);
    }
}

public sealed record UpdateUserProfileRequest(
    string? Email = null,
    string? FirstName = null,
    string? LastName = null,
    string? PhoneNumber = null,
    string? Address = null,
    DateOnly? BirthDate = null,
    string? ProfilePictureUrl = null,
    string[]? Clear = null,
    long? ExpectedVersion = null);

internal static class UpdateUserProfileEndpoint
{
    public static Task<Results<Ok<UserVersion>, ProblemHttpResult>> Patch(
        Guid id, UpdateUserProfileRequest body, IMessageBus bus, HttpContext http, CancellationToken ct) =>
        UserStream.Send(id, body.ExpectedVersion, expected => new UpdateUserProfile(id, body.Email, body.FirstName,
            body.LastName, body.PhoneNumber, body.Address, body.BirthDate, body.ProfilePictureUrl, body.Clear,
            expected), bus, http, ct);
}
