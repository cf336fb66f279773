using System.Security.Cryptography;
using System.Text;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CacheRegistry.Server.Auth;

/// <summary>Issues, lists and revokes the server's own tokens (signed JWTs with a <c>jti</c>).</summary>
public sealed class TokenIssuer(IDbContextFactory<CacheDbContext> contexts, RevocationList revocations, IOptions<AuthOptions> options, TimeProvider clock)
{
    public const int MinimumKeyBytes = 32;

    public static SymmetricSecurityKey SigningKeyOf(AuthOptions options)
    {
        var bytes = Encoding.UTF8.GetBytes(options.SigningKey ?? "");
        if (bytes.Length < MinimumKeyBytes)
        {
            throw new InvalidOperationException($"{AuthOptions.Section}:SigningKey must be at least {MinimumKeyBytes} bytes when auth is enabled.");
        }
        return new SymmetricSecurityKey(bytes) { KeyId = "cacheregistry" };
    }

    public async Task<CreatedToken> IssueAsync(string name, IReadOnlyList<NamespaceScope> scopes, TimeSpan lifetime, string createdBy, CancellationToken cancellationToken)
    {
        if (scopes.Count == 0) throw CacheRequestException.BadRequest("a token needs at least one scope");
        if (lifetime <= TimeSpan.Zero || lifetime > options.Value.MaxTokenLifetime)
        {
            throw CacheRequestException.BadRequest($"the lifetime must be positive and at most {options.Value.MaxTokenLifetime.TotalDays:0} days");
        }

        var now = clock.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var scopeText = string.Join(' ', scopes);
        var record = new IssuedToken { Id = id, Name = name, Scopes = scopeText, CreatedBy = createdBy, CreatedAt = now, ExpiresAt = now + lifetime };
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.IssuedTokens.Add(record);
            await db.SaveChangesAsync(cancellationToken);
        }

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = record.ExpiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKeyOf(options.Value), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["jti"] = id,
                ["sub"] = name,
                ["name"] = name,
                [NamespaceScope.ClaimType] = scopeText,
            },
        });
        return new CreatedToken(ToInfo(record), token);
    }

    public async Task<IReadOnlyList<TokenInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tokens = await db.IssuedTokens.AsNoTracking().ToListAsync(cancellationToken);
        return tokens.OrderBy(t => t.CreatedAt).Select(ToInfo).ToList();
    }

    /// <returns>False when there is no such token.</returns>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.IssuedTokens.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null) return false;
        token.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        revocations.Add(id);
        return true;
    }

    private static TokenInfo ToInfo(IssuedToken t) =>
        new(t.Id, t.Name, t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.RevokedAt);
}

