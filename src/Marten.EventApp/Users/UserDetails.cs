using JasperFx.Events;
using Marten.EventApp.Contracts.Users;
using Marten.Events.Aggregation;

namespace Marten.EventApp.Users;

/// <summary>
/// The user, projected inline with the events: the read model (GET /api/users/{id}, lists and search) and the state
/// the commands decide on (profile values to diff, active, erased, the stream's version).
/// </summary>
public sealed record UserDetails
{
    public Guid Id { get; init; }
    public required string Email { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string FullName { get; init; }
    public string? PhoneNumber { get; init; }
    public string? Address { get; init; }
    public DateOnly? BirthDate { get; init; }
    public string? ProfilePictureUrl { get; init; }
    public bool IsActive { get; init; }
    public string RegistrationSource { get; init; } = "";
    public string? Locale { get; init; }
    public bool MarketingConsent { get; init; }
    public DateTimeOffset RegistrationDate { get; init; }
    public DateTimeOffset LastUpdated { get; init; }
    public DateTimeOffset? DeactivatedAt { get; init; }
    public string? DeactivationReason { get; init; }
    /// <summary>
    /// When its personal data was erased: email and names are placeholders, the other profile values gone.
    /// </summary>
    public DateTimeOffset? ErasedAt { get; init; }
    public int ProfileCompleteness { get; init; }
    /// <summary>
    /// Null while onboarding runs (or when it is off); then <c>Completed</c> or <c>Failed</c>. Read from the onboarding
    /// saga with the document (the process's outcome is not on the user's stream); stored here only by older versions,
    /// which appended it to the user's stream.
    /// </summary>
    public string? Onboarding { get; init; }
    /// <summary>
    /// For an erased user: <c>Pending</c> until every copy of the personal data is gone (the events masked, kept
    /// messages deleted, free texts replaced), then <c>Completed</c>. Read from <see cref="UserErasure"/> with the
    /// document.
    /// </summary>
    public string? Erasure { get; init; }
    public long Version { get; init; }

    /// <summary>
    /// What the search and the email lookup match: the full name and the email, lowercased, apart. Kept in its own
    /// column with one trigram index (<see cref="UsersConfiguration"/>), not in the JSON.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string SearchText => FullName.ToLowerInvariant() + SearchSeparator + Email.ToLowerInvariant();

    /// <summary>
    /// Between name and email: no term holds it (<see cref="FindUsersEndpoint"/>), so no match spans both.
    /// </summary>
    internal const char SearchSeparator = '\u001f';

    internal UserProfile Profile() =>
        new(Email, FirstName, LastName, PhoneNumber, Address, BirthDate, ProfilePictureUrl);

    internal UserDetails With(UserProfile p) => this with
    {
        Email = p.Email,
        FirstName = p.FirstName,
        LastName = p.LastName,
        FullName = p.FullName,
        PhoneNumber = p.PhoneNumber,
        Address = p.Address,
        BirthDate = p.BirthDate,
        ProfilePictureUrl = p.ProfilePictureUrl,
        ProfileCompleteness = p.Completeness
    };
}

/// <summary>Timestamps come from the events, never the clock, so a rebuild reproduces the same documents.</summary>
public sealed partial class UserDetailsProjection : SingleStreamProjection<UserDetails, Guid>
{
    public static UserDetails Create(IEvent<UserRegistered> e) => new UserDetails
    {
        Id = e.Data.UserId,
        Email = e.Data.Email,
        FirstName = e.Data.FirstName,
        LastName = e.Data.LastName,
        FullName = "",
        IsActive = true,
        RegistrationSource = e.Data.RegistrationSource,
        Locale = e.Data.Locale,
        MarketingConsent = e.Data.MarketingConsent,
        RegistrationDate = e.Data.RegisteredAt,
        LastUpdated = e.Data.RegisteredAt,
        Version = 1
    }.With(new UserProfile(e.Data.Email, e.Data.FirstName, e.Data.LastName));

    public static UserDetails Apply(IEvent<UserProfileUpdated> e, UserDetails user) =>
        user.With(user.Profile().With(e.Data.UpdatedFields)) with { LastUpdated = e.Data.UpdatedAt };

    public static UserDetails Apply(IEvent<UserErased> e, UserDetails user) =>
        user.With(new UserProfile(EraseUserHandler.Placeholder, EraseUserHandler.Placeholder,
            EraseUserHandler.Placeholder)) with
        {
            IsActive = false,
            DeactivatedAt = user.DeactivatedAt ?? e.Data.ErasedAt,
            DeactivationReason = user.DeactivationReason is null ? null : EraseUserHandler.Placeholder,
            ErasedAt = e.Data.ErasedAt,
            LastUpdated = e.Data.ErasedAt
        };

    public static UserDetails Apply(IEvent<UserDeactivated> e, UserDetails user) => user with
    {
        IsActive = false,
        DeactivatedAt = e.Data.DeactivatedAt,
        DeactivationReason = e.Data.Reason,
        LastUpdated = e.Data.DeactivatedAt
    };
}
