using Marten.EventApp.Contracts.Users;

namespace Marten.EventApp.Users;

/// <summary>
/// The write-side state of a user: what the decisions need (profile values to diff, active flag) and the
/// stream version. Kept as an inline snapshot, written with the events, so a command reads one row and the events
/// after it; display data lives in <see cref="UserDetails"/>.
/// </summary>
public sealed record User(Guid Id, UserProfile Profile, bool IsActive, long Version)
{
    public static User Create(UserRegistered e) =>
        new(e.UserId, new UserProfile(e.Email, e.FirstName, e.LastName), true, 1);

    public User Apply(UserProfileUpdated e) => this with { Profile = Profile.With(e.UpdatedFields) };

    public User Apply(UserDeactivated e) => this with { IsActive = false };

    /// <summary>True once its personal data was erased: the user stays inactive and unchangeable.</summary>
    public bool Erased { get; init; }

    public User Apply(UserErased e) => this with
    {
        IsActive = false,
        Erased = true,
        Profile = new UserProfile(EraseUserHandler.Placeholder, EraseUserHandler.Placeholder, EraseUserHandler.Placeholder)
    };

    // onboarding's outcome changes nothing a decision reads, but the stream's version moves with it
    public User Apply(OnboardingCompleted e) => this;

    public User Apply(OnboardingFailed e) => this;
}
