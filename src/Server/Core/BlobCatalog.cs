using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Core;

/// <summary>Blob metadata: which blobs exist, and in which namespaces each is visible.</summary>
public sealed class BlobCatalog(IDbContextFactory<CacheDbContext> contexts)
{
    // Keeps every IN (...) list well under the parameter limits of SQLite and PostgreSQL.
    private const int QueryChunkSize = 500;

    public async Task<BlobRecord?> FindAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Blobs.AsNoTracking().FirstOrDefaultAsync(b => b.Digest == digest.Hex, cancellationToken);
    }

    /// <summary>The blob if the namespace may see it; null otherwise, whether or not it exists elsewhere.</summary>
    public async Task<BlobRecord?> FindVisibleAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await (
            from visibility in db.NamespaceBlobs
            join blob in db.Blobs on visibility.Digest equals blob.Digest
            where visibility.Namespace == ns.Value && visibility.Digest == digest.Hex
            select blob).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<bool> IsVisibleAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.NamespaceBlobs.AnyAsync(v => v.Namespace == ns.Value && v.Digest == digest.Hex, cancellationToken);
    }

    /// <summary>Records a stored blob. When another upload recorded it first, returns that record instead.</summary>
    public async Task<BlobRecord> RegisterAsync(BlobRecord blob, CancellationToken cancellationToken)
    {
        var existing = await FindAsync(Sha256Digest.Parse(blob.Digest), cancellationToken);
        if (existing is not null) return existing;
        var inserted = await TryInsertAsync(blob, cancellationToken);
        return inserted ? blob : await FindAsync(Sha256Digest.Parse(blob.Digest), cancellationToken)
            ?? throw new InvalidOperationException($"blob {blob.Digest} could neither be inserted nor found");
    }

    /// <summary>Makes a registered blob visible in a namespace (idempotent). Returns false if it already was.</summary>
    public async Task<bool> GrantAsync(NamespaceName ns, Sha256Digest digest, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await IsVisibleAsync(ns, digest, cancellationToken)) return false;
        return await TryInsertAsync(new NamespaceBlob { Namespace = ns.Value, Digest = digest.Hex, CreatedAt = now }, cancellationToken);
    }

    /// <summary>The digests among those given that the namespace cannot see, in request order.</summary>
    public async Task<IReadOnlyList<Sha256Digest>> FindMissingAsync(NamespaceName ns, IReadOnlyCollection<Sha256Digest> digests, CancellationToken cancellationToken)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in digests.Select(d => d.Hex).Distinct().Chunk(QueryChunkSize))
        {
            var found = await db.NamespaceBlobs.AsNoTracking()
                .Where(v => v.Namespace == ns.Value && chunk.Contains(v.Digest))
                .Select(v => v.Digest)
                .ToListAsync(cancellationToken);
            present.UnionWith(found);
        }
        return digests.Where(d => !d.IsEmpty && !present.Contains(d.Hex)).Distinct().ToList();
    }

    /// <summary>Everything an operator sees about one blob, across namespaces.</summary>
    public async Task<BlobInfo?> DescribeAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var blob = await db.Blobs.AsNoTracking().FirstOrDefaultAsync(b => b.Digest == digest.Hex, cancellationToken);
        if (blob is null) return null;
        var namespaces = await db.NamespaceBlobs.AsNoTracking()
            .Where(v => v.Digest == digest.Hex)
            .OrderBy(v => v.Namespace)
            .Select(v => v.Namespace)
            .ToListAsync(cancellationToken);
        return new BlobInfo(blob.Digest, blob.Size, blob.StoredSize, blob.Encoding.ToString().ToLowerInvariant(),
            blob.CreatedAt, blob.LastAccessAt, blob.HitCount, namespaces);
    }

    // Concurrent uploads of the same content race to insert the same row; the loser's insert fails on
    // the primary key, which is fine: the row it wanted exists.
    private async Task<bool> TryInsertAsync<T>(T entity, CancellationToken cancellationToken) where T : class
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var key = db.Model.FindEntityType(typeof(T))!.FindPrimaryKey()!.Properties
                .Select(p => p.PropertyInfo!.GetValue(entity)).ToArray();
            if (await db.FindAsync<T>(key, cancellationToken) is not null) return false;
            throw;
        }
    }
}
