using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Messaging;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Users;

namespace Marten.EventApp.Tests.Users;

public sealed class when_deciding_a_registration
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_valid_command_registers_with_trimmed_values_at_now()
    {
        var id = Guid.NewGuid();
        var decision = RegisterUserHandler.Decide(new RegisterUser(id, " Ada@Example.com ", " Ada", "Lovelace ", null),
            Now);

        Assert.Null(decision.Rejection);
        Assert.Equal(new UserRegistered(id, "Ada@Example.com", "Ada", "Lovelace", "api", null, false, Now),
            Assert.Single(decision.Events));
    }

    [Fact]
    public void a_locale_and_marketing_consent_are_kept_as_given()
    {
        var id = Guid.NewGuid();
        var decision = RegisterUserHandler.Decide(new RegisterUser(id, "ada@example.com", "Ada", "Lovelace", "web",
            " zh-Hant-TW ", true), Now);

        Assert.Equal(new UserRegistered(id, "ada@example.com", "Ada", "Lovelace", "web", "zh-Hant-TW", true, Now),
            Assert.Single(decision.Events));
    }

    [Theory]
    [InlineData("english")]
    [InlineData("en_US")]
    [InlineData("e")]
    [InlineData("en-US-x-this-subtag-is-far-too-long-to-be-a-tag")]
    public void a_locale_that_is_not_a_language_tag_is_rejected(string locale)
    {
        var decision = RegisterUserHandler.Decide(new RegisterUser(Guid.NewGuid(), "ada@example.com", "Ada",
            "Lovelace", null, locale), Now);

        Assert.Equal(["locale"], decision.Rejection!.Errors!.Keys);
    }

    [Theory]
    [InlineData(null, "A", "B", "email")]
    [InlineData("a@b", "A", "B", "email")]
    [InlineData("a b@c.de", "A", "B", "email")]
    [InlineData("a@b.co", null, "B", "firstName")]
    [InlineData("a@b.co", "A", "  ", "lastName")]
    [InlineData("a@b.co", "A\u0007", "B", "firstName")]
    public void an_invalid_field_is_rejected_by_name(string? email, string? first, string? last, string field)
    {
        var decision = RegisterUserHandler.Decide(new RegisterUser(Guid.NewGuid(), email, first, last), Now);

        Assert.Equal(RejectionKind.Invalid, decision.Rejection?.Kind);
        Assert.Equal([field], decision.Rejection!.Errors!.Keys);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void an_empty_id_and_overlong_fields_are_rejected_together()
    {
        var decision = RegisterUserHandler.Decide(
            new RegisterUser(Guid.Empty, new string('a', 250) + "@x.com", new string('b', 101), "ok"), Now);

        Assert.Equal(["email", "firstName", "userId"], decision.Rejection!.Errors!.Keys.Order());
    }
}

public sealed class when_deciding_a_profile_update
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly UserDetails Ada = new()
    {
        Id = Guid.NewGuid(), Email = "ada@example.com", FirstName = "Ada", LastName = "Byron", FullName = "Ada Byron",
        PhoneNumber = "+44 1",
        IsActive = true, Version = 3
    };

    [Fact]
    public void only_changed_fields_are_recorded_with_their_previous_values()
    {
        var decision = UpdateUserProfileHandler.Decide(
            new UpdateUserProfile(Ada.Id, FirstName: "Ada", LastName: "Lovelace",
                BirthDate: new DateOnly(1990, 12, 10)), Ada, Now);

        var updated = Assert.IsType<UserProfileUpdated>(Assert.Single(decision.Events));
        Assert.Equal(new Dictionary<string, string?> { ["lastName"] = "Lovelace", ["birthDate"] = "1990-12-10" },
            updated.UpdatedFields);
        Assert.Equal(new Dictionary<string, string?> { ["lastName"] = "Byron", ["birthDate"] = null },
            updated.PreviousValues);
        Assert.Equal(Now, updated.UpdatedAt);
    }

    [Fact]
    public void clearing_an_optional_field_records_null()
    {
        var decision = UpdateUserProfileHandler.Decide(new UpdateUserProfile(Ada.Id,
            Clear: ["phoneNumber", "address"]), Ada, Now);

        var updated = Assert.IsType<UserProfileUpdated>(Assert.Single(decision.Events));
        Assert.Equal(new Dictionary<string, string?> { ["phoneNumber"] = null }, updated.UpdatedFields);
        Assert.Equal(new Dictionary<string, string?> { ["phoneNumber"] = "+44 1" }, updated.PreviousValues);
    }

    [Fact]
    public void nothing_that_changes_decides_nothing() =>
        Assert.Same(Decision.Nothing,
            UpdateUserProfileHandler.Decide(new UpdateUserProfile(Ada.Id, FirstName: " Ada "), Ada, Now));

    [Fact]
    public void a_missing_user_is_not_found() =>
        Assert.Equal(RejectionKind.NotFound,
            UpdateUserProfileHandler.Decide(new UpdateUserProfile(Ada.Id, FirstName: "X"), null, Now).Rejection?.Kind);

    [Fact]
    public void a_stale_expected_version_is_a_mismatch_carrying_the_current_version()
    {
        var rejection = UpdateUserProfileHandler.Decide(new UpdateUserProfile(Ada.Id, FirstName: "X",
            ExpectedVersion: 2), Ada, Now).Rejection;
        Assert.Equal((RejectionKind.VersionMismatch, 3L), (rejection!.Kind, rejection.CurrentVersion));
    }

    [Fact]
    public void a_deactivated_user_is_a_conflict() =>
        Assert.Equal(RejectionKind.Conflict,
            UpdateUserProfileHandler.Decide(new UpdateUserProfile(Ada.Id, FirstName: "X"),
                Ada with { IsActive = false }, Now).Rejection?.Kind);

    [Fact]
    public void a_required_field_cannot_be_cleared_nor_a_field_set_and_cleared()
    {
        var rejection = UpdateUserProfileHandler.Decide(
            new UpdateUserProfile(Ada.Id, PhoneNumber: "+1 555 0100",
                Clear: ["email", "phoneNumber"]), Ada, Now).Rejection;
        Assert.Equal(["clear"], rejection!.Errors!.Keys);
        Assert.Collection(rejection.Errors["clear"],
            m => Assert.StartsWith("'email' cannot be cleared", m),
            m => Assert.Equal("'phoneNumber' cannot be both set and cleared.", m));
    }

    [Fact]
    public void a_future_birth_date_is_invalid() =>
        Assert.Equal(["birthDate"], UpdateUserProfileHandler.Decide(
            new UpdateUserProfile(Ada.Id, BirthDate: new DateOnly(2026, 11, 25)), Ada, Now).Rejection!.Errors!.Keys);
}

public sealed class when_deciding_a_deactivation
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly UserDetails Ada = new()
    {
        Id = Guid.NewGuid(), Email = "ada@example.com", FirstName = "Ada", LastName = "Lovelace",
        FullName = "Ada Lovelace", IsActive = true, Version = 1
    };

    [Fact]
    public void an_active_user_is_deactivated() =>
        Assert.Equal(new UserDeactivated(Ada.Id, "left", "admin", Now),
            Assert.Single(DeactivateUserHandler.Decide(new DeactivateUser(Ada.Id, " left ", "admin"), Ada,
                Now).Events));

    [Fact]
    public void an_inactive_user_is_already_deactivated()
    {
        var rejection = DeactivateUserHandler.Decide(new DeactivateUser(Ada.Id, "left", "admin"),
            Ada with { IsActive = false }, Now).Rejection;
        Assert.Equal("User is already deactivated", rejection!.Title);
    }

    [Fact]
    public void a_stale_expected_version_comes_before_the_state_check() =>
        Assert.Equal(RejectionKind.VersionMismatch, DeactivateUserHandler.Decide(
            new DeactivateUser(Ada.Id, "left", "admin",
                ExpectedVersion: 5), Ada with { IsActive = false }, Now).Rejection?.Kind);
}

public sealed class the_profile_completeness
{
    [Theory]
    [InlineData(null, null, null, null, 60)]
    [InlineData("+1 555 0100", null, null, null, 70)]
    [InlineData("+1 555 0100", "Street 1", null, null, 80)]
    [InlineData("+1 555 0100", "Street 1", "1990-01-01", null, 90)]
    [InlineData("+1 555 0100", "Street 1", "1990-01-01", "https://x.io/p.png", 100)]
    public void weighs_required_fields_60_and_optional_fields_40(string? phone, string? address, string? birth,
        string? picture, int expected)
    {
        var profile = new UserProfile("a@b.co", "A", "B", phone, address, birth is null ? null : DateOnly.Parse(birth),
            picture);
        Assert.Equal(expected, profile.Completeness);
    }

    [Fact]
    public void replaying_changes_rebuilds_the_profile()
    {
        var profile = new UserProfile("a@b.co", "A", "B", "+1 555 0100")
            .With(new Dictionary<string, string?> { ["lastName"] = "C", ["phoneNumber"] = null,
                ["birthDate"] = "2000-02-29" });
        Assert.Equal(new UserProfile("a@b.co", "A", "C", null, null, new DateOnly(2000, 2, 29)), profile);
    }
}
