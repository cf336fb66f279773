using CacheRegistry.Client;
using CacheRegistry.Common.Api;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>Settings and helpers for servers under test that have auth enabled.</summary>
public static class TestAuth
{
    public const string SigningKey = "a-test-signing-key-of-more-than-thirty-two-bytes";
    public const string BootstrapToken = "bootstrap-admin-secret";

    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CacheRegistry:Auth:Enabled"] = "true",
            ["CacheRegistry:Auth:SigningKey"] = SigningKey,
            ["CacheRegistry:Auth:BootstrapToken"] = BootstrapToken,
            ["CacheRegistry:Auth:RevocationRefreshInterval"] = "00:00:01",
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    /// <summary>Issues a token through the server's API, with the bootstrap token.</summary>
    public static async Task<CreatedToken> IssueAsync(TestServer server, string name, params string[] scopes)
    {
        using var admin = new CacheClient(new CacheClientOptions { Server = server.BaseAddress, Token = BootstrapToken });
        return await admin.CreateTokenAsync(new CreateTokenRequest(name, scopes, "1d"));
    }
}
