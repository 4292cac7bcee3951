namespace Marten.EventApp.Contracts.Users;

// fields are nullable so that a missing one is a validation error, not a binding failure
public sealed record RegisterUser(
    Guid UserId,
    string? Email,
    string? FirstName,
    string? LastName,
    string? RegistrationSource = null,
    string? Locale = null,
    bool? MarketingConsent = null);

// a null field is left as it is; Clear names optional fields to empty
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
