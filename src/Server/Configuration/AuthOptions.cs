namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Auth". Off in the embedded default: then every request may do everything.</summary>
public sealed class AuthOptions
{
    public const string Section = Configuration.CacheRegistryOptions.Section + ":Auth";

    public bool Enabled { get; set; }

    /// <summary>Secret (at least 32 bytes) that signs and verifies the server's own tokens (HS256). Never logged.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "cacheregistry";

    public string Audience { get; set; } = "cacheregistry";

    /// <summary>
    /// A static secret that acts as an admin token (<c>*:admin</c>): the way into a fresh install, to
    /// issue the first tokens. Take it from a secret store; rotate it by changing configuration.
    /// </summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Namespace patterns (e.g. "public-*") that anyone may read without a token.</summary>
    public List<string> AnonymousRead { get; set; } = [];

    /// <summary>How often each server reloads the revocation list; bounds how long a revoked token still works.</summary>
    public TimeSpan RevocationRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Leeway for clock differences when checking expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromDays(366);

    public OidcTrustOptions Oidc { get; set; } = new();
}

/// <summary>
/// Trust in an external OpenID Connect issuer (a company IdP, GitHub Actions): its tokens are
/// validated against its published keys, and rules turn their claims into scopes.
/// </summary>
public sealed class OidcTrustOptions
{
    /// <summary>The issuer's URL; its /.well-known/openid-configuration names the signing keys. Empty: no OIDC.</summary>
    public string? Authority { get; set; }

    public string? Audience { get; set; }

    /// <summary>Only for tests and development: allow fetching the issuer's metadata over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public List<OidcScopeRule> Rules { get; set; } = [];

    public bool IsConfigured => !string.IsNullOrEmpty(Authority);
}

/// <summary>When every listed claim has the given value, the token gets these scopes.</summary>
public sealed class OidcScopeRule
{
    public Dictionary<string, string> Claims { get; set; } = [];

    public List<string> Scopes { get; set; } = [];
}

/// <summary>"CacheRegistry:RateLimit": requests per second per token (per client address without one).</summary>
public sealed class RateLimitOptions
{
    public const string Section = Configuration.CacheRegistryOptions.Section + ":RateLimit";

    /// <summary>Zero turns rate limiting off.</summary>
    public int PermitsPerSecond { get; set; }

    public int Burst { get; set; } = 100;
}
