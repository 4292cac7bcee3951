using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.Users;

public sealed record UserRegisteredV1(
    Guid UserId,
    string Email,
    string FirstName,
    string LastName,
    string RegistrationSource,
    DateTimeOffset RegisteredAt)
{
    public const string StoredName = "user_registered";

    // version 1 never asked: no consent is assumed where none was given
    public UserRegistered ToV2() =>
        new(UserId, Email, FirstName, LastName, RegistrationSource, null, false, RegisteredAt);
}

internal static class UserEventVersions
{
    // version 2 gets a new stored name: an upcaster on a name reads every row of that name, new ones too
    public static StoreOptions AddUserEventVersions(this StoreOptions opts)
    {
        opts.Events.MapEventTypeWithSchemaVersion<UserRegistered>(
            (uint)EventSchemaVersionStamp.VersionOf(typeof(UserRegistered)));
        opts.Events.Upcast<UserRegisteredV1, UserRegistered>(UserRegisteredV1.StoredName, v1 => v1.ToV2());
        return opts;
    }
}
