using System.Text.RegularExpressions;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Messaging;

namespace Marten.EventApp.Users;

internal static class UserRules
{
    public const int MaxEmail = 254;
    public const int MaxName = 100;
    public const int MaxPhone = 32;
    public const int MaxAddress = 500;
    public const int MaxUrl = 2048;
    public const int MaxReason = 500;
    public const int MaxLocale = 35;

    // non-backtracking: time linear in the input, whatever a client sends (a crafted address can hang a backtracking
    // pattern)
    private const RegexOptions Linear = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private static readonly Regex EmailPattern = new(@"^[^\s@]+@[^\s@]+\.[^\s@]+$", Linear);

    // BCP 47 in its common shape: a language, then subtags (script, region, variant): en, en-US, zh-Hant-TW
    private static readonly Regex LocalePattern = new(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", Linear);

    private static readonly Regex PhonePattern = new(@"^\+?[0-9][0-9 ().\-]{3,30}$", Linear);

    public static string? Email(FieldErrors errors, string? value, bool required)
    {
        var email = errors.Text(ProfileFields.Email, value, "Email", MaxEmail, required);
        if (email is not null && !EmailPattern.IsMatch(email)) errors.Add(ProfileFields.Email, "Invalid email format.");
        return email;
    }

    public static string? Name(FieldErrors errors, string field, string? value, string label, bool required) =>
        errors.Text(field, value, label, MaxName, required);

    public static string? Locale(FieldErrors errors, string? value)
    {
        var locale = errors.Text("locale", value, "Locale", MaxLocale, required: false);
        if (locale is not null && !LocalePattern.IsMatch(locale)) errors.Add("locale",
            "Locale must be a BCP 47 language tag such as en or en-US.");
        return locale;
    }

    public static string? Phone(FieldErrors errors, string? value)
    {
        var phone = errors.Text(ProfileFields.PhoneNumber, value, "Phone number", MaxPhone, required: false);
        if (phone is not null && !PhonePattern.IsMatch(phone))
            errors.Add(ProfileFields.PhoneNumber, "Phone number may hold digits, spaces, ( ) . - and a leading +.");
        return phone;
    }

    public static string? PictureUrl(FieldErrors errors, string? value)
    {
        var url = errors.Text(ProfileFields.ProfilePictureUrl, value, "Profile picture URL", MaxUrl, required: false);
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            errors.Add(ProfileFields.ProfilePictureUrl, "Profile picture URL must be an absolute http or https URL.");
        return url;
    }

    public static void BirthDate(FieldErrors errors, DateOnly? value, DateTimeOffset now)
    {
        if (value is not { } date) return;
        if (date > DateOnly.FromDateTime(now.UtcDateTime)) errors.Add(ProfileFields.BirthDate,
            "Birth date cannot be in the future.");
        if (date.Year < 1900) errors.Add(ProfileFields.BirthDate, "Birth date must be in 1900 or later.");
    }

    public static void ExpectedVersion(FieldErrors errors, long? expected)
    {
        if (expected is < 1) errors.Add("expectedVersion", "Expected version starts at 1.");
    }
}
