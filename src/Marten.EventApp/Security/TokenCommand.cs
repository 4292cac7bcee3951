using System.Globalization;
using JasperFx.CommandLine;

namespace Marten.EventApp.Security;

public sealed class TokenInput : NetCoreInput
{
    [Description("Roles of the token, comma-separated (e.g. admin)")]
    public string RoleFlag { get; set; } = "";

    [Description("Lifetime: 30m, 8h, 7d or hh:mm:ss")]
    public string TtlFlag { get; set; } = "1h";

    [Description("The token's subject (a customer's: its user id)")]
    public string SubjectFlag { get; set; } = "operator";

    [Description("Scopes, comma-separated, narrowing what the roles grant (e.g. users:read,orders:read)")]
    public string ScopeFlag { get; set; } = "";
}

/// <summary><c>./run.sh -- token --role admin --ttl 1h</c>: a bearer token signed with the service's key, on standard
/// output.</summary>
[Description("Mints a bearer token signed with EventApp:Auth:SigningKey", Name = "token")]
public sealed class TokenCommand : JasperFxAsyncCommand<TokenInput>
{
    public override Task<bool> Execute(TokenInput input)
    {
        var lifetime = Lifetime(input.TtlFlag);
        using var host = input.BuildHost();
        if (host.Services.GetRequiredService<AuthOptions>().OwnKey)
            throw new InvalidOperationException("No EventApp:Auth:SigningKey is configured: a token signed with a " +
                                                "key of this process alone would be accepted by no service. " +
                                                "Set the key the service uses (./run.sh does).");
        var roles = input.RoleFlag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var scopes = input.ScopeFlag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (scopes.FirstOrDefault(s => !Scopes.All.Contains(s)) is { } unknown)
            throw new ArgumentException($"--scope '{unknown}': use {string.Join(", ", Scopes.All)}");
        if (roles.Contains(Scopes.CustomerRole) && !Guid.TryParse(input.SubjectFlag, out _))
            throw new ArgumentException("--role customer needs --subject <the customer's user id>");
        Console.WriteLine(host.Services.GetRequiredService<TokenIssuer>().Mint(input.SubjectFlag, roles, lifetime,
            scopes: scopes));
        return Task.FromResult(true);
    }

    public static TimeSpan Lifetime(string ttl)
    {
        var value = ttl.Trim();
        if (value.Length > 1 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture,
            out var n) && n > 0)
        {
            switch (char.ToLowerInvariant(value[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        // exactly hh:mm:ss: TimeSpan.Parse would read a bare 90 as ninety days
        return TimeSpan.TryParseExact(value, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var span)
               && span > TimeSpan.Zero
            ? span
            : throw new ArgumentException($"--ttl '{ttl}': use 30m, 8h, 7d or hh:mm:ss");
    }
}
