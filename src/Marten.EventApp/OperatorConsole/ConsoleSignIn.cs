using Marten.EventApp.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Marten.EventApp.OperatorConsole;

/// <summary>The "EventApp:Console" section: how the console signs an operator in through the authority.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "EventApp:Console";

    /// <summary>The console's public client at <see cref="AuthOptions.Authority"/> (authorization code with PKCE, no
    /// secret); without it the console asks for a token.</summary>
    public string? ClientId { get; set; }

    /// <summary>What the console asks the authority for: the API scopes its pages read through.</summary>
    public string Scope { get; set; } = $"openid {Scopes.UsersRead} {Scopes.EventsRead} {Scopes.OperationsRead}";

    /// <summary>A resource indicator (RFC 8707) sent with the authorization and token requests, for authorities that
    /// choose the token's audience by it.</summary>
    public string? Resource { get; set; }

    /// <summary>RabbitMQ's management API (its root, <c>http://host:15672</c>): the bus page reads each queue's depth
    /// and the broker's rates from it, with the AMQP connection's user unless this address names one.</summary>
    public string? BrokerManagementUrl { get; set; }

    public static ConsoleOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ConsoleOptions>() ?? new();
}

/// <summary>What the page needs to sign in: a pasted token, or the authority's endpoints for the code flow.</summary>
public sealed record ConsoleSignIn(string Mode, string? Issuer = null, string? AuthorizationEndpoint = null,
    string? TokenEndpoint = null, string? ClientId = null, string? Scope = null, string? Resource = null)
{
    public const string TokenMode = "token";
    public const string AuthorityMode = "authority";
}

public sealed class ConsoleAuthority(AuthOptions auth, ConsoleOptions console,
    IOptionsMonitor<JwtBearerOptions> bearer)
{
    public bool Configured =>
        !string.IsNullOrWhiteSpace(auth.Authority) && !string.IsNullOrWhiteSpace(console.ClientId);

    // the endpoints come from the metadata the bearer handler already reads and caches for the authority's keys
    public async Task<ConsoleSignIn> ReadAsync(CancellationToken ct)
    {
        if (!Configured) return new ConsoleSignIn(ConsoleSignIn.TokenMode);
        var manager = bearer.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager
            ?? throw new InvalidOperationException("The bearer handler has no authority metadata to read.");
        var metadata = await manager.GetConfigurationAsync(ct);
        return new ConsoleSignIn(ConsoleSignIn.AuthorityMode, metadata.Issuer, metadata.AuthorizationEndpoint,
            metadata.TokenEndpoint, console.ClientId, console.Scope,
            string.IsNullOrWhiteSpace(console.Resource) ? null : console.Resource);
    }

    // the page posts the code to the token endpoint itself: the only other origin it may reach
    public async Task<string?> TokenOriginAsync(CancellationToken ct)
    {
        if (!Configured) return null;
        try
        {
            var endpoint = (await ReadAsync(ct)).TokenEndpoint;
            return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
                ? uri.GetLeftPart(UriPartial.Authority)
                : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    internal static async Task<IResult> Get(ConsoleAuthority authority, CancellationToken ct)
    {
        try
        {
            return Results.Ok(await authority.ReadAsync(ct));
        }
        catch (InvalidOperationException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The authority's metadata could not be read", detail: e.Message);
        }
    }
}
