using System.Text.Json;
using Marten.EventApp.Contracts.Users;

namespace Marten.EventApp.Bench.Harness;

// names from small vocabularies so that search terms range from one match to thousands
public static class Synthetic
{
    public static readonly string[] FirstNames =
    [
        "Aiko", "Haruto", "Yui", "Sota", "Mei", "Ren", "Hina", "Riku", "Sakura", "Kaito", "Emma", "Liam", "Olivia",
        "Noah",
        "Ava", "Lucas", "Mia", "Mateo", "Sofia", "Elias", "Amara", "Tariq", "Ingrid", "Bjorn", "Chiara", "Marco", "Ana",
        "Diego", "Priya", "Arjun", "Fatima", "Omar", "Chloe", "Louis", "Zofia", "Jakub", "Aylin", "Emir", "Nora",
        "Felix"
    ];

    public static readonly string[] LastNames =
    [
        "Tanaka", "Suzuki", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Smith", "Johnson", "Williams", "Brown",
        "Garcia", "Martinez", "Rossi", "Russo", "Muller", "Schmidt", "Nowak", "Kowalski", "Yilmaz", "Kaya", "Silva",
        "Santos", "Dubois", "Laurent", "Andersson", "Johansson", "Patel", "Sharma", "Haddad", "Nasser", "Okafor",
        "Mensah", "Novak", "Horvat", "Ivanova", "Petrov", "Kim", "Park", "Nguyen", "Tran"
    ];

    // camelCase, as our store writes a registration, for the raw SQL scenarios
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RegisterUser Registration(long n, Guid? id = null)
    {
        var userId = id ?? Guid.CreateVersion7();
        var first = FirstNames[n % FirstNames.Length];
        var last = LastNames[(n / FirstNames.Length) % LastNames.Length];
        return new RegisterUser(userId, $"{first}.{last}.{n}@{userId:N}.example", first, last, "bench");
    }

    public static UserRegistered Registered(long n)
    {
        var cmd = Registration(n);
        return new UserRegistered(cmd.UserId, cmd.Email!, cmd.FirstName!, cmd.LastName!, cmd.RegistrationSource!, null,
            false, DateTimeOffset.UtcNow);
    }
}
