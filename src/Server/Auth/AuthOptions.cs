namespace CacheRegistry.Server.Auth;

/// <summary>"CacheRegistry:Auth".</summary>
public sealed class AuthOptions
{
    public const string Section = Configuration.CacheRegistryOptions.Section + ":Auth";

    /// <summary>
    /// When set, every cache and API request must present this token: as a bearer token, or as the
    /// password of HTTP Basic credentials (any user name) for tools that only do Basic. Never logged.
    /// </summary>
    public string? Token { get; set; }

    public bool RequiresToken => !string.IsNullOrEmpty(Token);
}
