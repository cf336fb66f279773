using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>How much each namespace stores, and its largest, most used and least recently used blobs: the queries behind quotas, gauges and statistics.</summary>
public sealed class UsageCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;

    internal UsageCatalog(IDbContextFactory<CacheDbContext> contexts) => _contexts = contexts;

    /// <summary>Per namespace (or just <paramref name="ns"/>): blobs it holds, their sizes, and its entries. A shared blob counts in each namespace.</summary>
    public async Task<IReadOnlyList<NamespaceStats>> PerNamespaceAsync(NamespaceName? ns, CancellationToken cancellationToken)
    {
        var only = ns?.Value;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var blobs = await (from grant in db.NamespaceBlobs
                           join blob in db.Blobs on grant.Digest equals blob.Digest
                           where only == null || grant.Namespace == only
                           group blob by grant.Namespace into g
                           select new { Namespace = g.Key, Blobs = g.LongCount(), Bytes = g.Sum(b => b.Size), StoredBytes = g.Sum(b => b.StoredSize) })
            .ToDictionaryAsync(b => b.Namespace, cancellationToken);
        var entries = await db.CacheEntries.Where(e => only == null || e.Namespace == only)
            .GroupBy(e => e.Namespace).Select(g => new { Namespace = g.Key, Entries = g.LongCount() })
            .ToDictionaryAsync(e => e.Namespace, e => e.Entries, cancellationToken);
        return blobs.Keys.Union(entries.Keys).Order(StringComparer.Ordinal).Select(name => new NamespaceStats(name,
            blobs.GetValueOrDefault(name)?.Blobs ?? 0,
            entries.GetValueOrDefault(name),
            blobs.GetValueOrDefault(name)?.Bytes ?? 0,
            blobs.GetValueOrDefault(name)?.StoredBytes ?? 0)).ToList();
    }

    /// <summary>Stored bytes of the blobs the namespace holds.</summary>
    public async Task<long> StoredBytesAsync(NamespaceName ns, CancellationToken cancellationToken) =>
        (await PerNamespaceAsync(ns, cancellationToken)).SingleOrDefault()?.StoredBytes ?? 0;

    /// <summary>The largest, most hit and least recently used blobs (of one namespace or all).</summary>
    public async Task<(IReadOnlyList<BlobStats> Largest, IReadOnlyList<BlobStats> MostHit, IReadOnlyList<BlobStats> LeastRecentlyUsed)> TopBlobsAsync(
        NamespaceName? ns, int count, CancellationToken cancellationToken)
    {
        var only = ns?.Value;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var held = from grant in db.NamespaceBlobs
                   join blob in db.Blobs on grant.Digest equals blob.Digest
                   where only == null || grant.Namespace == only
                   select new { grant.Namespace, blob.Digest, blob.Size, blob.StoredSize, blob.HitCount, blob.LastAccessAt };
        var largest = await held.OrderByDescending(r => r.Size).ThenBy(r => r.Digest).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(cancellationToken);
        var mostHit = await held.OrderByDescending(r => r.HitCount).ThenBy(r => r.Digest).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(cancellationToken);
        var oldest = await held.OrderBy(r => r.LastAccessAt).ThenBy(r => r.Digest).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(cancellationToken);
        return (largest, mostHit, oldest);
    }
}
