using JasperFx.Events;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Users;

namespace Marten.EventApp.Tests.Users;

public sealed class the_user_details_projection
{
    private static readonly DateTimeOffset Registered = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();

    private static UserDetails Ada() =>
        UserDetailsProjection.Create(new Event<UserRegistered>(new UserRegistered(Id, "ada@example.com", "Ada",
            "Lovelace", "web", "en-GB", true, Registered)));

    [Fact]
    public void a_registration_creates_an_active_user_at_version_1_with_the_events_time()
    {
        var user = Ada();
        Assert.Equal((Id, "ada@example.com", "Ada Lovelace", true, "web", 1L),
            (user.Id, user.Email, user.FullName, user.IsActive, user.RegistrationSource, user.Version));
        Assert.Equal((Registered, Registered), (user.RegistrationDate, user.LastUpdated));
        Assert.Equal(60, user.ProfileCompleteness);
    }

    [Fact]
    public void a_profile_update_applies_the_changed_fields_and_clears_the_nulls()
    {
        var at = Registered.AddDays(1);
        var withPhone = UserDetailsProjection.Apply(new Event<UserProfileUpdated>(new UserProfileUpdated(Id,
            new Dictionary<string, string?> { ["phoneNumber"] = "+44 1", ["lastName"] = "King" },
            new Dictionary<string, string?> { ["phoneNumber"] = null, ["lastName"] = "Lovelace" }, at)), Ada());
        Assert.Equal(("+44 1", "Ada King", 70, at),
            (withPhone.PhoneNumber, withPhone.FullName, withPhone.ProfileCompleteness, withPhone.LastUpdated));

        var cleared = UserDetailsProjection.Apply(new Event<UserProfileUpdated>(new UserProfileUpdated(Id,
            new Dictionary<string, string?> { ["phoneNumber"] = null },
            new Dictionary<string, string?> { ["phoneNumber"] = "+44 1" }, at.AddHours(1))), withPhone);
        Assert.Equal((null, 60), (cleared.PhoneNumber, cleared.ProfileCompleteness));
        Assert.Equal(Registered, cleared.RegistrationDate);
    }

    [Fact]
    public void a_deactivation_keeps_the_profile_and_records_why_and_when()
    {
        var at = Registered.AddDays(2);
        var user = UserDetailsProjection.Apply(new Event<UserDeactivated>(new UserDeactivated(Id, "left", "admin",
            at)), Ada());
        Assert.Equal((false, "left", (DateTimeOffset?)at, at),
            (user.IsActive, user.DeactivationReason, user.DeactivatedAt, user.LastUpdated));
        Assert.Equal("ada@example.com", user.Email);
    }
}

public sealed class the_user_statistics_projection
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private readonly UserStatisticsProjection _projection = new();

    [Fact]
    public void registrations_count_by_source_and_deactivations_move_users_from_active()
    {
        var stats = new UserStatistics();
        _projection.Apply(stats, new UserRegistered(Guid.NewGuid(), "a@x.io", "A", "B", "web", null, false, At));
        _projection.Apply(stats,
            new UserRegistered(Guid.NewGuid(), "c@x.io", "C", "D", "api", null, false, At.AddMinutes(1)));
        _projection.Apply(stats,
            new UserRegistered(Guid.NewGuid(), "e@x.io", "E", "F", "web", null, false, At.AddMinutes(2)));
        _projection.Apply(stats, new UserDeactivated(Guid.NewGuid(), "left", "admin", At.AddMinutes(3)));

        Assert.Equal((3L, 2L, 1L), (stats.Registered, stats.Active, stats.Deactivated));
        Assert.Equal(new Dictionary<string, long> { ["web"] = 2, ["api"] = 1 }, stats.RegisteredBySource);
        Assert.Equal(At.AddMinutes(3), stats.LastChangeAt);
    }
}
