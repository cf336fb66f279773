using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Owns leases (<c>leases</c>): named locks that expire, so work runs on one replica at a time.</summary>
public sealed class LeaseCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal LeaseCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    /// <summary>Takes or extends the lease until <paramref name="until"/>: true when free, expired or already ours.</summary>
    public async Task<bool> TryTakeAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch().Add("""
            INSERT INTO leases (name, holder, expires_at) VALUES ({0}, {1}, {2})
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.expires_at < {3} OR leases.holder = {1}
            """, name, holder, _dialect.Time(until), _dialect.Time(now));
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) > 0;
    }

    /// <summary>Gives the lease up, if we hold it.</summary>
    public async Task ReleaseAsync(string name, string holder, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await db.Leases.Where(l => l.Name == name && l.Holder == holder)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAt, DateTimeOffset.UnixEpoch), cancellationToken);
    }
}
