using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Marten.EventApp.Security;

/// <summary>The "EventApp:Auth" section: who signs the bearer tokens the service accepts.</summary>
public sealed class AuthOptions
{
    public const string Section = "EventApp:Auth";

    /// <summary>A shared secret (HS256, at least 32 bytes as UTF-8) the service validates tokens with and <c>token</c>
    /// signs them with.</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect issuer whose keys validate the tokens (instead of
    /// <see cref="SigningKey"/>).</summary>
    public string? Authority { get; set; }

    /// <summary>Development without a configured key: the process made one for itself.</summary>
    internal bool OwnKey { get; set; }

    public string Issuer { get; set; } = "marten-eventapp";
    public string Audience { get; set; } = "marten-eventapp";

    public static AuthOptions From(IConfiguration configuration) => configuration.GetSection(Section)
        .Get<AuthOptions>() ?? new();
}

/// <summary>
/// JWT bearer authentication on every endpoint but health, metrics and the API documents; role <c>admin</c> for
/// everything under <c>/api/admin</c>, scopes and ownership for the rest (<see cref="Scopes"/>). A missing key or
/// authority stops start-up, except in Development, where the service makes a key for its own lifetime and logs a token
/// signed with it.
/// </summary>
public static class Authentication
{
    public const string AdminRole = "admin";
    public const string AdminPolicy = "admin";
    public const string AdminPrefix = "/api/admin";

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var options = AuthOptions.From(builder.Configuration);
        var development = builder.Environment.IsDevelopment();
        if (string.IsNullOrWhiteSpace(options.Authority) && string.IsNullOrWhiteSpace(options.SigningKey))
        {
            if (!development)
                throw new InvalidOperationException(
                    $"Authentication is not configured: set {AuthOptions.Section}:SigningKey " +
                    "(a secret of at least 32 characters) or " +
                    $"{AuthOptions.Section}:Authority (an OpenID Connect issuer). ./run.sh sets a development key.");
            options.SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            options.OwnKey = true;
            builder.Services.AddHostedService<DevelopmentTokenNotice>();
        }

        if (options.SigningKey is { } key && Encoding.UTF8.GetByteCount(key) < 32)
            throw new InvalidOperationException(
                $"{AuthOptions.Section}:SigningKey must be at least 32 bytes long (HS256).");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters.NameClaimType = "sub";
            o.TokenValidationParameters.RoleClaimType = "role";
            o.TokenValidationParameters.ValidAudience = options.Audience;
            if (!string.IsNullOrWhiteSpace(options.Authority))
            {
                o.Authority = options.Authority;
                o.RequireHttpsMetadata = !development;
            }
            else
            {
                o.TokenValidationParameters.ValidIssuer = options.Issuer;
                o.TokenValidationParameters.IssuerSigningKey = TokenIssuer.KeyOf(options.SigningKey!);
            }
        });
        builder.Services.AddAuthorizationBuilder()
            // every endpoint needs a caller unless it says otherwise (health, metrics, documents): a new one cannot be
            // left open by accident
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(AdminRole));
        return builder;
    }

    /// <summary>Every endpoint under <see cref="AdminPrefix"/> in <paramref name="group"/> requires the admin role,
    /// whichever feature maps it.</summary>
    public static RouteGroupBuilder RequireAdminUnderAdminPrefix(this RouteGroupBuilder group)
    {
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route }
                && ("/" + route.TrimStart('/')).StartsWith(AdminPrefix, StringComparison.OrdinalIgnoreCase))
                endpoint.Metadata.Add(new AuthorizeAttribute(AdminPolicy));
        });
        return group;
    }

    private sealed class DevelopmentTokenNotice(TokenIssuer issuer,
        ILogger<DevelopmentTokenNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            logger.LogWarning(
                "Development: no EventApp:Auth:SigningKey, so this process signs with a key of its own. " +
                "Admin token (8 h): {Token}",
                issuer.Mint("developer", [AdminRole], TimeSpan.FromHours(8)));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}

/// <summary>Signs tokens with the configured key: the development token, <c>token</c> on the command line, tests and
/// benchmarks.</summary>
public sealed class TokenIssuer(AuthOptions options)
{
    public static SymmetricSecurityKey KeyOf(string signingKey) => new(Encoding.UTF8.GetBytes(signingKey));

    public string Mint(string subject, IReadOnlyCollection<string> roles, TimeSpan lifetime, DateTime? issuedAt = null,
        IReadOnlyCollection<string>? scopes = null)
    {
        if (string.IsNullOrWhiteSpace(options.SigningKey))
            throw new InvalidOperationException(
                "Tokens are issued by the authority (EventApp:Auth:Authority); this service has no signing key.");
        var claims = new Dictionary<string, object> { ["role"] = roles.ToArray() };
        if (scopes is { Count: > 0 }) claims["scope"] = string.Join(' ', scopes);
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = claims,
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(KeyOf(options.SigningKey), SecurityAlgorithms.HmacSha256)
        });
    }
}
