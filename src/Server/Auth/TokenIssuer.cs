using CacheRegistry.Server.Configuration;
using System.Security.Cryptography;
using System.Text;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CacheRegistry.Server.Auth;

/// <summary>Issues, lists and revokes the server's own tokens (signed JWTs with a <c>jti</c>).</summary>
public sealed class TokenIssuer(TokenCatalog tokens, RevocationList revocations, IOptions<AuthOptions> options, TimeProvider clock)
{
    /// <summary>The key the server's tokens are signed with (its length is checked with the other settings, at start).</summary>
    public static SymmetricSecurityKey SigningKeyOf(AuthOptions options) =>
        new(Encoding.UTF8.GetBytes(options.SigningKey ?? "")) { KeyId = "cacheregistry" };

    public async Task<CreatedToken> IssueAsync(string name, IReadOnlyList<NamespaceScope> scopes, TimeSpan lifetime, string createdBy, CancellationToken cancellationToken)
    {
        if (scopes.Count == 0) throw DomainException.Invalid("a token needs at least one scope");
        if (lifetime <= TimeSpan.Zero || lifetime > options.Value.MaxTokenLifetime)
        {
            throw DomainException.Invalid($"the lifetime must be positive and at most {options.Value.MaxTokenLifetime.TotalDays:0} days");
        }

        var now = clock.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var scopeText = string.Join(' ', scopes);
        var info = new TokenInfo(id, name, scopes.Select(s => s.ToString()).ToList(), createdBy, now, now + lifetime, RevokedAt: null);
        await tokens.AddAsync(info, cancellationToken);

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = info.ExpiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKeyOf(options.Value), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["jti"] = id,
                ["sub"] = name,
                ["name"] = name,
                [NamespaceScope.ClaimType] = scopeText,
            },
        });
        return new CreatedToken(info, token);
    }

    public Task<IReadOnlyList<TokenInfo>> ListAsync(CancellationToken cancellationToken) => tokens.ListAsync(cancellationToken);

    /// <returns>False when there is no such token.</returns>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (!await tokens.RevokeAsync(id, clock.GetUtcNow(), cancellationToken)) return false;
        revocations.Add(id);
        return true;
    }
}

