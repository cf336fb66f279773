using CacheRegistry.Common.Api;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Owns the record of issued tokens and their revocations (<c>issued_tokens</c>); never the tokens themselves.</summary>
public sealed class TokenCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;
    private readonly PlainSql _sql;

    internal TokenCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect, PlainSql sql)
    {
        _contexts = contexts;
        _dialect = dialect;
        _sql = sql;
    }

    public async Task AddAsync(TokenInfo token, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        db.IssuedTokens.Add(new IssuedToken
        {
            Id = token.Id, Name = token.Name, Scopes = string.Join(' ', token.Scopes), CreatedBy = token.CreatedBy,
            CreatedAt = token.CreatedAt, ExpiresAt = token.ExpiresAt, RevokedAt = token.RevokedAt,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<TokenInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var tokens = await db.IssuedTokens.AsNoTracking().ToListAsync(cancellationToken);
        return tokens.OrderBy(t => t.CreatedAt).Select(t =>
            new TokenInfo(t.Id, t.Name, t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.RevokedAt)).ToList();
    }

    /// <summary>Marks the token revoked (keeping the first revocation time); false when there is no such token.</summary>
    public async Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.IssuedTokens.AnyAsync(t => t.Id == id, cancellationToken)) return false;
        await db.IssuedTokens.Where(t => t.Id == id && t.RevokedAt == null).ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, now), cancellationToken);
        return true;
    }

    /// <summary>Ids of revoked tokens that have not expired (expired ones fail validation anyway).</summary>
    // Read before the server serves (the revocation list), hence plain SQL.
    public async Task<IReadOnlyList<string>> RevokedAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await _sql.QueryAsync("SELECT id FROM issued_tokens WHERE revoked_at IS NOT NULL AND expires_at > @p0",
            reader => reader.GetString(0), cancellationToken, _dialect.Time(now));
}
