using Marten.EventApp.Contracts.Events;

namespace Marten.EventApp.Contracts.Users;

/// <summary>
/// A user registered. Email and names are trimmed; the email keeps the case it was given. Schema version 2 added
/// <c>Locale</c> (a BCP 47 tag, null when not given) and <c>MarketingConsent</c>; version 1 events, stored without
/// them, are read as version 2 with no locale and no consent (an upcaster in the service).
/// </summary>
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

/// <summary>
/// Profile fields changed. Both maps are keyed by <see cref="ProfileFields"/> names, as in the seed:
/// <c>UpdatedFields</c> holds the new values (null: the optional field was cleared), <c>PreviousValues</c>
/// the values they replaced. Dates are ISO-8601 (yyyy-MM-dd).
/// </summary>
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

/// <summary>The names of a user's profile fields, as they appear in <see cref="UserProfileUpdated"/>.</summary>
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

/// <summary>
/// The user's personal data was erased (GDPR): every earlier event of the stream now holds placeholders instead of
/// the email, names and profile values; the user is inactive and can no longer be changed.
/// </summary>
public sealed record UserErased(Guid UserId, string ErasedBy, DateTimeOffset ErasedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => ErasedAt;
}

/// <summary>The user's onboarding finished: welcome email, default preferences, push notification and analytics all
/// done.</summary>
public sealed record OnboardingCompleted(Guid UserId, DateTimeOffset CompletedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => CompletedAt;
}

/// <summary>The user's onboarding failed at <c>Step</c> (one of the seed's step names); the steps done before it were
/// compensated.</summary>
public sealed record OnboardingFailed(Guid UserId, string Step, string Reason, DateTimeOffset FailedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => FailedAt;
}
