using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.Users;

/// <summary><see cref="UserRegistered"/> as schema version 1 stored it (type name <c>user_registered</c>): before
/// locale and consent.</summary>
public sealed record UserRegisteredV1(
    Guid UserId,
    string Email,
    string FirstName,
    string LastName,
    string RegistrationSource,
    DateTimeOffset RegisteredAt)
{
    public const string StoredName = "user_registered";

    /// <summary>Version 1 never asked: no locale, and no consent is assumed where none was given.</summary>
    public UserRegistered ToV2() =>
        new(UserId, Email, FirstName, LastName, RegistrationSource, null, false, RegisteredAt);
}

internal static class UserEventVersions
{
    /// <summary>
    /// New <see cref="UserRegistered"/> rows are stored as <c>user_registered_v2</c>; rows stored as
    /// <c>user_registered</c> are read through <see cref="UserRegisteredV1.ToV2"/> everywhere (aggregate, projections,
    /// feeds, bus). The new name is needed: an upcaster on a name reads every row of that name, new ones too.
    /// </summary>
    public static StoreOptions AddUserEventVersions(this StoreOptions opts)
    {
        opts.Events.MapEventTypeWithSchemaVersion<UserRegistered>((uint)EventSchemaVersionStamp.VersionOf(typeof(UserRegistered)));
        opts.Events.Upcast<UserRegisteredV1, UserRegistered>(UserRegisteredV1.StoredName, v1 => v1.ToV2());
        return opts;
    }
}
