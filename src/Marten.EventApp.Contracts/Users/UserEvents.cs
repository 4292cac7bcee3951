using Marten.EventApp.Contracts.Events;

namespace Marten.EventApp.Contracts.Users;

// The email keeps the case it was given. Schema version 2 added Locale (a BCP 47 tag) and MarketingConsent; the
// service upcasts version 1 events to no locale and no consent.
[EventSchemaVersion(2)]
public sealed record UserRegistered(
    Guid UserId,
    string Email,
    string FirstName,
    string LastName,
    string RegistrationSource,
    string? Locale,
    bool MarketingConsent,
    DateTimeOffset RegisteredAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => RegisteredAt;
}

// Keyed by ProfileFields names, as in the seed: a null new value clears an optional field; dates are yyyy-MM-dd.
public sealed record UserProfileUpdated(
    Guid UserId,
    IReadOnlyDictionary<string, string?> UpdatedFields,
    IReadOnlyDictionary<string, string?> PreviousValues,
    DateTimeOffset UpdatedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => UpdatedAt;
}

public sealed record UserDeactivated(
    Guid UserId,
    string Reason,
    string DeactivatedBy,
    DateTimeOffset DeactivatedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => DeactivatedAt;
}

public static class ProfileFields
{
    public const string Email = "email";
    public const string FirstName = "firstName";
    public const string LastName = "lastName";
    public const string PhoneNumber = "phoneNumber";
    public const string Address = "address";
    public const string BirthDate = "birthDate";
    public const string ProfilePictureUrl = "profilePictureUrl";

    public static readonly IReadOnlyList<string> Required = [Email, FirstName, LastName];
    public static readonly IReadOnlyList<string> Optional = [PhoneNumber, Address, BirthDate, ProfilePictureUrl];
}

// GDPR erasure: the stream's earlier events now hold placeholders; the user is inactive and can no longer change.
public sealed record UserErased(Guid UserId, string ErasedBy, DateTimeOffset ErasedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => ErasedAt;
}

public sealed record OnboardingCompleted(Guid UserId, DateTimeOffset CompletedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => CompletedAt;
}

public sealed record OnboardingFailed(Guid UserId, string Step, string Reason, DateTimeOffset FailedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => FailedAt;
}
