using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CacheRegistry.Tests.Security;

/// <summary>Makes tokens the way an attacker or a misconfigured client might: wrong key, expired, unsigned.</summary>
public static class TokenMinter
{
    public static string Hs256(string key, string issuer = "cacheregistry", string audience = "cacheregistry",
        DateTime? expires = null, IDictionary<string, object>? claims = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddHours(-2),
            NotBefore = expiry.AddHours(-2),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
            Claims = claims ?? new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString("N"), ["scope"] = "*:admin", ["name"] = "forger" },
        });
    }

    /// <summary>An unsigned token ("alg": "none") claiming everything.</summary>
    public static string Unsigned()
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "none", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = "cacheregistry", ["aud"] = "cacheregistry", ["jti"] = "x", ["scope"] = "*:admin",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        }));
        return $"{header}.{payload}.";
    }

    public static string Rs256(RSA key, string keyId, string issuer, string audience, IDictionary<string, object> claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
            Claims = claims,
        });

    private static string Base64Url(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
}
