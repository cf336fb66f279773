using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>Owns resumable upload sessions and their parts (<c>upload_sessions</c>, <c>upload_parts</c>).</summary>
public sealed class UploadCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal UploadCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    public async Task AddSessionAsync(string id, NamespaceName ns, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        db.UploadSessions.Add(new UploadSession { Id = id, Namespace = ns.Value, CreatedAt = createdAt, ExpiresAt = expiresAt });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The session's expiry if it exists in the namespace; null otherwise (another namespace's session does not exist for the caller).</summary>
    public async Task<DateTimeOffset?> FindSessionAsync(NamespaceName ns, string id, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.UploadSessions.AsNoTracking().Where(s => s.Id == id && s.Namespace == ns.Value).Select(s => (DateTimeOffset?)s.ExpiresAt).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<UploadedPart>> PartsAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.UploadParts.AsNoTracking().Where(p => p.SessionId == id).OrderBy(p => p.Number)
            .Select(p => new UploadedPart(p.Number, p.Size)).ToListAsync(cancellationToken);
    }

    /// <summary>Bytes the session's parts hold, leaving out <paramref name="exceptPart"/> (a part being replaced).</summary>
    public async Task<long> SizeAsync(string id, int exceptPart, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.UploadParts.Where(p => p.SessionId == id && p.Number != exceptPart).SumAsync(p => p.Size, cancellationToken);
    }

    /// <summary>Records a part (sending a part again replaces its record).</summary>
    public async Task PutPartAsync(string id, int number, long size, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch().Add("""
            INSERT INTO upload_parts (session_id, number, size) VALUES ({0}, {1}, {2})
            ON CONFLICT (session_id, number) DO UPDATE SET size = excluded.size
            """, id, number, size);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
    }

    /// <summary>Removes the session and its parts' records.</summary>
    public async Task DeleteSessionAsync(string id, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch()
            .Add("DELETE FROM upload_parts WHERE session_id = {0}", id)
            .Add("DELETE FROM upload_sessions WHERE id = {0}", id);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ExpiredAsync(DateTimeOffset now, int take, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.UploadSessions.AsNoTracking().Where(s => s.ExpiresAt < now).OrderBy(s => s.Id).Take(take).Select(s => s.Id).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlySet<string>> SessionIdsAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return (await db.UploadSessions.AsNoTracking().Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
    }
}
