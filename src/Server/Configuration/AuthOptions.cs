using System.ComponentModel;
using System.Text;
using CacheRegistry.Server.Auth;

namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Auth". Off in the embedded default: then every request may do everything.</summary>
public sealed class AuthOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Auth";

    /// <summary>The shortest signing key accepted.</summary>
    public const int MinimumKeyBytes = 32;

    [Description("Require tokens. Off: anyone may do everything (for trying the server on your own machine).")]
    public bool Enabled { get; set; }

    [Description("Secret (at least 32 bytes) that signs and verifies the server's own tokens (HS256); the same on every replica. Never logged.")]
    public string? SigningKey { get; set; }

    [Description("Issuer of the server's tokens.")]
    public string Issuer { get; set; } = "cacheregistry";

    [Description("Audience of the server's tokens.")]
    public string Audience { get; set; } = "cacheregistry";

    [Description("A static secret that acts as an admin token (*:admin): the way into a fresh install, to issue the first tokens. Never logged.")]
    public string? BootstrapToken { get; set; }

    [Description("Namespace patterns (e.g. public-*) anyone may read without a token: AnonymousRead:0, AnonymousRead:1, …")]
    public List<string> AnonymousRead { get; set; } = [];

    [Description("How often each server reloads the revocation list; bounds how long a revoked token still works.")]
    public TimeSpan RevocationRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Description("Leeway for clock differences when checking expiry.")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    [Description("Longest lifetime a token can be issued with.")]
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromDays(366);

    public OidcTrustOptions Oidc { get; set; } = new();

    public void Check(SettingsCheck check)
    {
        // Secrets are checked for length only: their values are never printed.
        if (Enabled && Encoding.UTF8.GetByteCount(SigningKey ?? "") < MinimumKeyBytes)
        {
            check.Fail(nameof(SigningKey), $"must be at least {MinimumKeyBytes} bytes when {check.Key(nameof(Enabled))} is true (e.g. openssl rand -base64 48)");
        }
        if (!string.IsNullOrEmpty(BootstrapToken) && BootstrapToken.Length < 16) check.Fail(nameof(BootstrapToken), "must be at least 16 characters");
        for (var i = 0; i < AnonymousRead.Count; i++)
        {
            if (!NamespaceScope.TryParse(AnonymousRead[i] + ":read", out _)) check.Fail($"{nameof(AnonymousRead)}:{i}", $"is '{AnonymousRead[i]}'; it must be a namespace pattern (letters, digits, '.', '_', '-', '*')");
        }
        check.Positive(nameof(RevocationRefreshInterval), RevocationRefreshInterval);
        check.NotNegative(nameof(ClockSkew), ClockSkew);
        check.Positive(nameof(MaxTokenLifetime), MaxTokenLifetime);
        check.Nested(nameof(Oidc), Oidc);
    }
}

/// <summary>
/// "CacheRegistry:Auth:Oidc": trust in an external OpenID Connect issuer (a company IdP, GitHub Actions):
/// its tokens are validated against its published keys, and rules turn their claims into scopes.
/// </summary>
public sealed class OidcTrustOptions : IValidatedOptions
{
    [Description("The issuer's URL; its /.well-known/openid-configuration names the signing keys. Empty: no OIDC.")]
    public string? Authority { get; set; }

    [Description("The audience the issuer's tokens must carry.")]
    public string? Audience { get; set; }

    [Description("Only for tests and development: allow fetching the issuer's metadata over plain HTTP.")]
    public bool RequireHttpsMetadata { get; set; } = true;

    [Description("When every listed claim matches, the token gets these scopes: Rules:0:Claims:<claim>, Rules:0:Scopes:0, …")]
    public List<OidcScopeRule> Rules { get; set; } = [];

    public bool IsConfigured => !string.IsNullOrEmpty(Authority);

    public void Check(SettingsCheck check)
    {
        if (IsConfigured && !SettingsCheck.IsHttpUrl(Authority)) check.Fail(nameof(Authority), $"is '{Authority}'; it must be an http:// or https:// URL");
        for (var i = 0; i < Rules.Count; i++)
        {
            if (Rules[i].Claims.Count == 0) check.Fail($"Rules:{i}:Claims", "must list at least one claim (a rule without claims would match every token)");
            foreach (var scope in Rules[i].Scopes.Where(s => !NamespaceScope.TryParse(s, out _)))
            {
                check.Fail($"Rules:{i}:Scopes", $"has '{scope}'; scopes are pattern:read|write|delete|admin");
            }
        }
    }
}

/// <summary>When every listed claim has the given value, the token gets these scopes.</summary>
public sealed class OidcScopeRule
{
    public Dictionary<string, string> Claims { get; set; } = [];

    public List<string> Scopes { get; set; } = [];
}

/// <summary>"CacheRegistry:RateLimit": requests per second per token (per client address without one) and namespace.</summary>
public sealed class RateLimitOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":RateLimit";

    [Description("Requests per second per token and namespace; 0 turns rate limiting off. Over it: 429 with Retry-After.")]
    public int PermitsPerSecond { get; set; }

    [Description("Requests a caller may make at once before the rate applies.")]
    public int Burst { get; set; } = 100;

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(PermitsPerSecond), PermitsPerSecond, 0);
        check.AtLeast(nameof(Burst), Burst, 1);
    }
}

/// <summary>"CacheRegistry:Telemetry": OTLP export of the server's metrics and traces, off unless an endpoint is set.</summary>
public sealed class TelemetryOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Telemetry";

    [Description("An OTLP/HTTP collector, e.g. http://otel-collector:4318; empty: no export.")]
    public string? OtlpEndpoint { get; set; }

    [Description("How often metrics are exported.")]
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);

    [Description("The service name in exported telemetry.")]
    public string ServiceName { get; set; } = "cacheregistry";

    public void Check(SettingsCheck check)
    {
        if (!string.IsNullOrEmpty(OtlpEndpoint) && !SettingsCheck.IsHttpUrl(OtlpEndpoint)) check.Fail(nameof(OtlpEndpoint), $"is '{OtlpEndpoint}'; it must be an http:// or https:// URL");
        check.Positive(nameof(ExportInterval), ExportInterval);
    }
}
