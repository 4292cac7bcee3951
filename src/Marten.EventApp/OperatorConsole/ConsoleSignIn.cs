using System.Text.Json.Serialization;
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

    /// <summary>A resource indicator (the <c>resource</c> parameter) sent with the authorization and token requests,
    /// for authorities that choose the token's audience by it.</summary>
    public string? Resource { get; set; }

    /// <summary>RabbitMQ's management API (its root, <c>http://host:port</c>): the bus page reads each queue's depth
    /// and the broker's rates from it, with the AMQP connection's user unless this address names one.</summary>
    public string? BrokerManagementUrl { get; set; }

    public static ConsoleOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ConsoleOptions>() ?? new();
}

/// <summary>What the page needs to sign in: a pasted token, or the authority's endpoints for the code flow
/// (<c>IssuerInAnswer</c>: the authority names itself in its answers, and the page refuses one without its name).
/// </summary>
public sealed record ConsoleSignIn(string Mode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Issuer = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthorizationEndpoint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenEndpoint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Resource = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? IssuerInAnswer = null)
{
    public const string TokenMode = "token";
    public const string AuthorityMode = "authority";
}

public sealed class ConsoleAuthority(AuthOptions auth, ConsoleOptions console,
    IOptionsMonitor<JwtBearerOptions> bearer)
{
    // how long the page's own request waits for the authority's metadata before it goes out with the authority's
    // origin alone in its policy
    private static readonly TimeSpan PolicyPatience = TimeSpan.FromSeconds(2);

    public bool Configured =>
        !string.IsNullOrWhiteSpace(auth.Authority) && !string.IsNullOrWhiteSpace(console.ClientId);

    // the endpoints come from the metadata the bearer handler already reads and caches for the authority's keys
    public async Task<ConsoleSignIn> ReadAsync(CancellationToken ct)
    {
        if (!Configured) return new ConsoleSignIn(ConsoleSignIn.TokenMode);
        var manager = bearer.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager
            ?? throw new InvalidOperationException("The bearer handler has no authority metadata to read.");
        var metadata = await manager.GetConfigurationAsync(ct);
        if (!Absolute(metadata.AuthorizationEndpoint) || !Absolute(metadata.TokenEndpoint))
            throw new InvalidOperationException(
                "The authority's metadata names no authorization or no token endpoint.");
        return new ConsoleSignIn(ConsoleSignIn.AuthorityMode, metadata.Issuer, metadata.AuthorizationEndpoint,
            metadata.TokenEndpoint, console.ClientId, console.Scope,
            string.IsNullOrWhiteSpace(console.Resource) ? null : console.Resource,
            metadata.AuthorizationResponseIssParameterSupported);
    }

    private static bool Absolute(string? address) => Uri.TryCreate(address, UriKind.Absolute, out _);

    // the page posts the code to the token endpoint itself: the only other origin it may reach. An authority that
    // does not answer in time must not hold the page (a pasted token still works): its own origin stands in.
    public async Task<string?> TokenOriginAsync(CancellationToken ct)
    {
        if (!Configured) return null;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(PolicyPatience);
        string? endpoint;
        try
        {
            endpoint = (await ReadAsync(patience.Token)).TokenEndpoint;
        }
        catch (Exception e) when (e is InvalidOperationException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            endpoint = auth.Authority;
        }

        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
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
