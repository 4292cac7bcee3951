using System.Globalization;
using Marten.EventApp.Contracts.Users;

namespace Marten.EventApp.Users;

public sealed record UserProfile(
    string Email,
    string FirstName,
    string LastName,
    string? PhoneNumber = null,
    string? Address = null,
    DateOnly? BirthDate = null,
    string? ProfilePictureUrl = null)
{
    public string FullName => $"{FirstName} {LastName}";

    public string? this[string field] => field switch
    {
        ProfileFields.Email => Email,
        ProfileFields.FirstName => FirstName,
        ProfileFields.LastName => LastName,
        ProfileFields.PhoneNumber => PhoneNumber,
        ProfileFields.Address => Address,
        ProfileFields.BirthDate => BirthDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ProfileFields.ProfilePictureUrl => ProfilePictureUrl,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Unknown profile field")
    };

    public UserProfile With(IReadOnlyDictionary<string, string?> changes)
    {
        var profile = this;
        foreach (var (field, value) in changes)
        {
            profile = field switch
            {
                ProfileFields.Email => profile with { Email = value! },
                ProfileFields.FirstName => profile with { FirstName = value! },
                ProfileFields.LastName => profile with { LastName = value! },
                ProfileFields.PhoneNumber => profile with { PhoneNumber = value },
                ProfileFields.Address => profile with { Address = value },
                ProfileFields.BirthDate => profile with
                {
                    BirthDate = value is null ? null : DateOnly.ParseExact(value, "yyyy-MM-dd",
                        CultureInfo.InvariantCulture)
                },
                ProfileFields.ProfilePictureUrl => profile with { ProfilePictureUrl = value },
                _ => profile // a field this version does not know is ignored, so old code can replay newer events
            };
        }

        return profile;
    }

    // the seed's formula: filled required fields weigh 60 %, filled optional fields 40 %, rounded
    public int Completeness
    {
        get
        {
            var required = ProfileFields.Required.Count(f => !string.IsNullOrWhiteSpace(this[f]));
            var optional = ProfileFields.Optional.Count(f => !string.IsNullOrWhiteSpace(this[f]));
            return (int)Math.Round(
                required * 60.0 / ProfileFields.Required.Count + optional * 40.0 / ProfileFields.Optional.Count,
                MidpointRounding.AwayFromZero);
        }
    }
}
