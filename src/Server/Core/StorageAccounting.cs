using CacheRegistry.Common.Api;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Core;

/// <summary>How much each namespace stores: the one query behind quotas, the storage gauges and the stats API.</summary>
public static class StorageAccounting
{
    /// <summary>Per namespace (or just <paramref name="ns"/>): blobs it sees, their sizes, and its entries. A shared blob counts in each namespace.</summary>
    public static async Task<IReadOnlyList<NamespaceStats>> PerNamespaceAsync(CacheDbContext db, string? ns, CancellationToken cancellationToken)
    {
        var blobs = await (from visibility in db.NamespaceBlobs
                           join blob in db.Blobs on visibility.Digest equals blob.Digest
                           where ns == null || visibility.Namespace == ns
                           group blob by visibility.Namespace into g
                           select new { Namespace = g.Key, Blobs = g.LongCount(), Bytes = g.Sum(b => b.Size), StoredBytes = g.Sum(b => b.StoredSize) })
            .ToDictionaryAsync(b => b.Namespace, cancellationToken);
        var entries = await db.CacheEntries.Where(e => ns == null || e.Namespace == ns)
            .GroupBy(e => e.Namespace).Select(g => new { Namespace = g.Key, Entries = g.LongCount() })
            .ToDictionaryAsync(e => e.Namespace, e => e.Entries, cancellationToken);
        return blobs.Keys.Union(entries.Keys).Order(StringComparer.Ordinal).Select(name => new NamespaceStats(name,
            blobs.GetValueOrDefault(name)?.Blobs ?? 0,
            entries.GetValueOrDefault(name),
            blobs.GetValueOrDefault(name)?.Bytes ?? 0,
            blobs.GetValueOrDefault(name)?.StoredBytes ?? 0)).ToList();
    }
}
