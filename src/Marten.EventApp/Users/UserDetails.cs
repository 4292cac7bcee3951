using JasperFx.Events;
using Marten.EventApp.Contracts.Users;
using Marten.Events.Aggregation;

namespace Marten.EventApp.Users;

// Projected inline: both the read model and the state the commands decide on.
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
    public DateTimeOffset? ErasedAt { get; init; }
    public int ProfileCompleteness { get; init; }
    // Read from the onboarding saga with the document: the outcome is not on the user's stream (older versions of the
    // service appended it there and stored it here).
    public string? Onboarding { get; init; }
    // read from UserErasure with the document: Pending until every copy of the personal data is gone
    public string? Erasure { get; init; }
    public long Version { get; init; }

    // kept in its own column with one trigram index (UsersConfiguration), not in the JSON
    [System.Text.Json.Serialization.JsonIgnore]
    public string SearchText => FullName.ToLowerInvariant() + SearchSeparator + Email.ToLowerInvariant();

    // no search term holds it (FindUsersEndpoint), so no match spans name and email
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

// Timestamps come from the events, never the clock, so a rebuild reproduces the same documents.
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
