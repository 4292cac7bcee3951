namespace Marten.EventApp.Contracts.Users;

/// <summary>
/// Register a new user. Fields are nullable so that a missing one is a validation error, not a binding failure.
/// <c>Locale</c> is a BCP 47 tag (<c>en-US</c>, <c>ja</c>); no <c>MarketingConsent</c> means none given.
/// </summary>
public sealed record RegisterUser(
    Guid UserId,
    string? Email,
    string? FirstName,
    string? LastName,
    string? RegistrationSource = null,
    string? Locale = null,
    bool? MarketingConsent = null);

/// <summary>
/// Change profile fields. A null field is left as it is; <c>Clear</c> names optional fields to empty
/// (<see cref="ProfileFields.Optional"/>). <c>ExpectedVersion</c>, when given, must be the stream's current version.
/// </summary>
public sealed record UpdateUserProfile(
    Guid UserId,
    string? Email = null,
    string? FirstName = null,
    string? LastName = null,
    string? PhoneNumber = null,
    string? Address = null,
    DateOnly? BirthDate = null,
    string? ProfilePictureUrl = null,
    IReadOnlyList<string>? Clear = null,
    long? ExpectedVersion = null);

public sealed record DeactivateUser(
    Guid UserId,
    string? Reason,
    string? DeactivatedBy,
    long? ExpectedVersion = null);
