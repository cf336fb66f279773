using System.Text.Json;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Observability;
using CacheRegistry.Server.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core;

public sealed record GcReport(long EvictedBlobs, long EvictedEntries, long DeletedObjects, long OrphanObjects, long RepairedBlobs, long ExpiredUploads, bool Ran);

/// <summary>
/// Keeps storage bounded and consistent. A pass: evicts least recently used content from namespaces
/// over their quota (down to the low-water mark) or past their maximum age, and from the whole store
/// over the global bound; removes storage objects that no metadata names (left by a crash) and repairs
/// metadata whose object is gone; drops expired upload sessions. Entries are removed before the blobs
/// they use, and files of published artifact versions are never evicted. Only the replica holding the
/// lease runs a pass, and it works in bounded batches.
/// </summary>
public sealed class GarbageCollector(
    IDbContextFactory<CacheDbContext> contexts,
    BlobCatalog catalog,
    IBlobStore store,
    Metrics metrics,
    StorageUsage usage,
    LookupCache lookups,
    IOptions<GcOptions> options,
    TimeProvider clock,
    ILogger<GarbageCollector> logger)
{
    private const string LeaseName = "gc";
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<GcReport> RunPassAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            if (!await TryAcquireLeaseAsync(cancellationToken)) return new GcReport(0, 0, 0, 0, 0, 0, Ran: false);
            try
            {
                return await RunLeasedPassAsync(cancellationToken);
            }
            finally
            {
                await ReleaseLeaseAsync();
            }
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<GcReport> RunLeasedPassAsync(CancellationToken cancellationToken)
    {
        var report = new Counts();
        foreach (var (name, quota) in options.Value.Namespaces)
        {
            if (!NamespaceName.TryParse(name, out var ns)) continue;
            if (quota.MaxAge is { } maxAge) await EvictOlderThanAsync(ns, clock.GetUtcNow() - maxAge, report, cancellationToken);
            if (quota.MaxBytes > 0) await EvictOverQuotaAsync(ns, quota.MaxBytes, report, cancellationToken);
        }
        if (options.Value.GlobalMaxBytes > 0) await EvictGloballyAsync(options.Value.GlobalMaxBytes, report, cancellationToken);
        var stored = await ListBlobObjectsAsync(cancellationToken);
        await SweepOrphanObjectsAsync(stored, report, cancellationToken);
        await RepairMissingObjectsAsync(stored, report, cancellationToken);
        await ExpireUploadsAsync(report, cancellationToken);
        await MeasureUsageAsync(cancellationToken);
        metrics.GcPasses.Add(1);
        logger.LogInformation("GC pass: evicted {Blobs} blobs and {Entries} entries, deleted {Objects} objects, {Orphans} orphans, repaired {Repaired}, expired {Uploads} uploads",
            report.EvictedBlobs, report.EvictedEntries, report.DeletedObjects, report.OrphanObjects, report.RepairedBlobs, report.ExpiredUploads);
        return new GcReport(report.EvictedBlobs, report.EvictedEntries, report.DeletedObjects, report.OrphanObjects, report.RepairedBlobs, report.ExpiredUploads, Ran: true);
    }

    // ---- eviction --------------------------------------------------------------------------------

    private async Task EvictOverQuotaAsync(NamespaceName ns, long maxBytes, Counts report, CancellationToken cancellationToken)
    {
        var used = await NamespaceBytesAsync(ns, cancellationToken);
        if (used <= maxBytes) return;
        var target = (long)(maxBytes * options.Value.LowWaterRatio);
        await EvictLeastRecentlyUsedAsync(ns, olderThan: null, "quota", blob =>
        {
            if (used <= target) return false;
            used -= blob.StoredSize;
            return true;
        }, report, cancellationToken);
    }

    private async Task EvictOlderThanAsync(NamespaceName ns, DateTimeOffset cutoff, Counts report, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            report.EvictedEntries += await db.CacheEntries.Where(e => e.Namespace == ns.Value && e.LastAccessAt < cutoff).ExecuteDeleteAsync(cancellationToken);
            lookups.InvalidateNamespace(ns);
        }
        await EvictLeastRecentlyUsedAsync(ns, cutoff, "age", _ => true, report, cancellationToken);
    }

    /// <summary>
    /// Walks the namespace's blobs from least recently used, evicting each the predicate accepts, until
    /// it declines one or none are left. Pinned blobs keep their place in that order while evicted ones
    /// leave it, so paging skips exactly the pinned ones seen so far.
    /// </summary>
    private async Task EvictLeastRecentlyUsedAsync(NamespaceName ns, DateTimeOffset? olderThan, string reason,
        Func<(string Digest, long StoredSize), bool> evict, Counts report, CancellationToken cancellationToken)
    {
        var pinned = await PinnedDigestsAsync(ns, cancellationToken);
        var pinnedSeen = 0;
        while (true)
        {
            var batch = await LeastRecentlyUsedAsync(ns, olderThan, pinnedSeen, cancellationToken);
            if (batch.Count == 0) return;
            foreach (var blob in batch)
            {
                if (pinned.Contains(blob.Digest))
                {
                    pinnedSeen++;
                    continue;
                }
                if (!evict(blob)) return;
                await EvictFromNamespaceAsync(ns, blob.Digest, reason, report, cancellationToken);
            }
        }
    }

    private async Task EvictGloballyAsync(long maxBytes, Counts report, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var used = await db.Blobs.SumAsync(b => b.StoredSize, cancellationToken);
        var target = (long)(maxBytes * options.Value.LowWaterRatio);
        var pinnedByNamespace = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var skip = 0;
        while (used > target)
        {
            var batch = await db.Blobs.AsNoTracking().OrderBy(b => b.LastAccessAt).Skip(skip).Take(options.Value.BatchSize)
                .Select(b => new { b.Digest, b.StoredSize }).ToListAsync(cancellationToken);
            if (batch.Count == 0) break;
            foreach (var blob in batch)
            {
                if (used <= target) break;
                var namespaces = await db.NamespaceBlobs.AsNoTracking().Where(v => v.Digest == blob.Digest).Select(v => v.Namespace).ToListAsync(cancellationToken);
                var pinnedSomewhere = false;
                foreach (var name in namespaces)
                {
                    if (!NamespaceName.TryParse(name, out var ns)) continue;
                    if (!pinnedByNamespace.TryGetValue(name, out var pinned)) pinnedByNamespace[name] = pinned = await PinnedDigestsAsync(ns, cancellationToken);
                    if (pinned.Contains(blob.Digest)) pinnedSomewhere = true;
                }
                if (pinnedSomewhere)
                {
                    skip++;
                    continue;
                }
                foreach (var name in namespaces)
                {
                    if (NamespaceName.TryParse(name, out var ns)) await EvictFromNamespaceAsync(ns, blob.Digest, "global", report, cancellationToken);
                }
                used -= blob.StoredSize;
            }
        }
    }

    /// <summary>Removes a blob from a namespace by hand, with the entries that use it. False when the namespace did not have it.</summary>
    public async Task<bool> RemoveBlobAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        if (!await catalog.IsVisibleAsync(ns, digest, cancellationToken)) return false;
        await EvictFromNamespaceAsync(ns, digest.Hex, "deleted", new Counts(), cancellationToken);
        return true;
    }

    /// <summary>Removes everything in a namespace: entries, its blobs (from storage when no other namespace uses them), artifacts.</summary>
    public async Task<(long Blobs, long Entries, long DeletedObjects)> DeleteNamespaceAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        var counts = new Counts();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.ArtifactTags.Where(t => t.Namespace == ns.Value).ExecuteDeleteAsync(cancellationToken);
        await db.ArtifactVersions.Where(v => v.Namespace == ns.Value).ExecuteDeleteAsync(cancellationToken);
        counts.EvictedEntries += await db.CacheEntries.Where(e => e.Namespace == ns.Value).ExecuteDeleteAsync(cancellationToken);
        lookups.InvalidateNamespace(ns);
        var digests = await db.NamespaceBlobs.AsNoTracking().Where(v => v.Namespace == ns.Value).Select(v => v.Digest).ToListAsync(cancellationToken);
        foreach (var digest in digests) await EvictFromNamespaceAsync(ns, digest, "deleted", counts, cancellationToken);
        return (counts.EvictedBlobs, counts.EvictedEntries, counts.DeletedObjects);
    }

    /// <summary>
    /// Removes a blob from a namespace: first every entry there whose value is the blob or refers to it,
    /// then its visibility; a blob no namespace sees any more is deleted, metadata before the object.
    /// </summary>
    private async Task EvictFromNamespaceAsync(NamespaceName ns, string digest, string reason, Counts report, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var referring = db.EntryReferences.Where(r => r.Namespace == ns.Value && r.Digest == digest).Select(r => r.Key);
        var entries = await db.CacheEntries
            .Where(e => e.Namespace == ns.Value && (e.ValueDigest == digest || referring.Contains(e.Key)))
            .ExecuteDeleteAsync(cancellationToken);
        report.EvictedEntries += entries;
        await db.NamespaceBlobs.Where(v => v.Namespace == ns.Value && v.Digest == digest).ExecuteDeleteAsync(cancellationToken);
        lookups.InvalidateNamespace(ns);
        report.EvictedBlobs++;
        metrics.Evictions.Add(1, new("namespace", ns.Value), new("reason", reason));
        await DeleteIfUnusedAsync(db, digest, report, cancellationToken);
    }

    private async Task DeleteIfUnusedAsync(CacheDbContext db, string digest, Counts report, CancellationToken cancellationToken)
    {
        if (await db.NamespaceBlobs.AnyAsync(v => v.Digest == digest, cancellationToken) || await db.CacheEntries.AnyAsync(e => e.ValueDigest == digest, cancellationToken)) return;
        var blob = await db.Blobs.AsNoTracking().FirstOrDefaultAsync(b => b.Digest == digest, cancellationToken);
        if (blob is null) return;
        await db.Blobs.Where(b => b.Digest == digest).ExecuteDeleteAsync(cancellationToken);
        if (blob.Size > 0) await store.DeleteAsync(StorageKey.ForBlob(Sha256Digest.Parse(digest), blob.Encoding), cancellationToken);
        report.DeletedObjects++;
    }

    private async Task<List<(string Digest, long StoredSize)>> LeastRecentlyUsedAsync(NamespaceName ns, DateTimeOffset? olderThan, int skip, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = from visibility in db.NamespaceBlobs
                    join blob in db.Blobs on visibility.Digest equals blob.Digest
                    where visibility.Namespace == ns.Value
                    select blob;
        if (olderThan is { } cutoff) query = query.Where(b => b.LastAccessAt < cutoff);
        var rows = await query.OrderBy(b => b.LastAccessAt).ThenBy(b => b.Digest).Skip(skip).Take(options.Value.BatchSize)
            .Select(b => new { b.Digest, b.StoredSize }).ToListAsync(cancellationToken);
        return rows.Select(r => (r.Digest, r.StoredSize)).ToList();
    }

    private async Task<long> NamespaceBytesAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return (await StorageAccounting.PerNamespaceAsync(db, ns.Value, cancellationToken)).SingleOrDefault()?.StoredBytes ?? 0;
    }

    /// <summary>Files of published artifact versions: never evicted, only deleted with their version.</summary>
    private async Task<HashSet<string>> PinnedDigestsAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var manifests = await db.ArtifactVersions.AsNoTracking().Where(v => v.Namespace == ns.Value).Select(v => v.Manifest).ToListAsync(cancellationToken);
        return manifests.SelectMany(m => JsonSerializer.Deserialize<ArtifactManifest>(m, JsonSerializerOptions.Web)!.Files.Select(f => f.Digest)).ToHashSet(StringComparer.Ordinal);
    }

    // ---- consistency -----------------------------------------------------------------------------

    /// <summary>The blob objects in storage, listed once per pass for both the sweep and the repair.</summary>
    private async Task<List<StoredObject>> ListBlobObjectsAsync(CancellationToken cancellationToken)
    {
        var stored = new List<StoredObject>();
        await foreach (var item in store.ListAsync("cas/", cancellationToken)) stored.Add(item);
        return stored;
    }

    /// <summary>Deletes stored objects no metadata names (older than the grace period: younger ones may be uploads in flight).</summary>
    private async Task SweepOrphanObjectsAsync(List<StoredObject> stored, Counts report, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        var batch = new List<(StoredObject Object, Sha256Digest Digest, BlobEncoding Encoding)>();
        foreach (var item in stored)
        {
            if (item.LastModified > cutoff) continue;
            if (!StorageKey.TryParseBlob(item.Key, out var digest, out var encoding))
            {
                logger.LogWarning("Unrecognised object {Key} in blob storage is left alone", item.Key);
                continue;
            }
            batch.Add((item, digest, encoding));
            if (batch.Count >= options.Value.BatchSize) await DeleteUnknownAsync(batch, report, cancellationToken);
        }
        await DeleteUnknownAsync(batch, report, cancellationToken);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var sessions = (await db.UploadSessions.AsNoTracking().Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet();
        await foreach (var item in store.ListAsync("uploads/", cancellationToken))
        {
            if (item.LastModified > cutoff || StorageKey.UploadSessionOf(item.Key) is not { } session || sessions.Contains(session)) continue;
            await store.DeleteAsync(StorageKey.FromListing(item.Key), cancellationToken);
            report.OrphanObjects++;
        }
    }

    private async Task DeleteUnknownAsync(List<(StoredObject Object, Sha256Digest Digest, BlobEncoding Encoding)> batch, Counts report, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        var digests = batch.Select(b => b.Digest.Hex).Distinct().ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var known = (await db.Blobs.AsNoTracking().Where(b => digests.Contains(b.Digest)).Select(b => new { b.Digest, b.Encoding }).ToListAsync(cancellationToken))
            .Select(b => (b.Digest, b.Encoding)).ToHashSet();
        foreach (var (item, digest, encoding) in batch.Where(b => !known.Contains((b.Digest.Hex, b.Encoding))))
        {
            await store.DeleteAsync(StorageKey.ForBlob(digest, encoding), cancellationToken);
            report.OrphanObjects++;
            logger.LogInformation("Removed orphan object {Key}", item.Key);
        }
        batch.Clear();
    }

    /// <summary>Metadata whose object is gone (a crash, a hand-deleted object): the blob is removed everywhere so clients upload it again.</summary>
    private async Task RepairMissingObjectsAsync(List<StoredObject> listed, Counts report, CancellationToken cancellationToken)
    {
        var stored = listed.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cutoff = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        string? after = null;
        while (true)
        {
            var batch = await db.Blobs.AsNoTracking().Where(b => b.Size > 0 && (after == null || string.Compare(b.Digest, after) > 0))
                .OrderBy(b => b.Digest).Take(options.Value.BatchSize).Select(b => new { b.Digest, b.Encoding, b.CreatedAt }).ToListAsync(cancellationToken);
            if (batch.Count == 0) break;
            after = batch[^1].Digest;
            foreach (var blob in batch.Where(b => b.CreatedAt < cutoff && !stored.Contains(StorageKey.ForBlob(Sha256Digest.Parse(b.Digest), b.Encoding).Value)))
            {
                logger.LogWarning("Blob {Digest} is in the metadata but not in storage; removing it so it is uploaded again", blob.Digest);
                var namespaces = await db.NamespaceBlobs.AsNoTracking().Where(v => v.Digest == blob.Digest).Select(v => v.Namespace).ToListAsync(cancellationToken);
                foreach (var name in namespaces)
                {
                    if (NamespaceName.TryParse(name, out var ns)) await EvictFromNamespaceAsync(ns, blob.Digest, "repair", report, cancellationToken);
                }
                var entryNamespaces = await db.CacheEntries.Where(e => e.ValueDigest == blob.Digest).Select(e => e.Namespace).Distinct().ToListAsync(cancellationToken);
                await db.CacheEntries.Where(e => e.ValueDigest == blob.Digest).ExecuteDeleteAsync(cancellationToken);
                foreach (var name in entryNamespaces)
                {
                    if (NamespaceName.TryParse(name, out var ns)) lookups.InvalidateNamespace(ns);
                }
                await db.Blobs.Where(b => b.Digest == blob.Digest).ExecuteDeleteAsync(cancellationToken);
                report.RepairedBlobs++;
            }
        }
    }

    private async Task ExpireUploadsAsync(Counts report, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var expired = await db.UploadSessions.AsNoTracking().Where(s => s.ExpiresAt < now).Select(s => s.Id).Take(options.Value.BatchSize).ToListAsync(cancellationToken);
        foreach (var id in expired)
        {
            var parts = await db.UploadParts.AsNoTracking().Where(p => p.SessionId == id).Select(p => p.Number).ToListAsync(cancellationToken);
            foreach (var number in parts) await store.DeleteAsync(StorageKey.ForUploadPart(id, number), cancellationToken);
            await db.UploadParts.Where(p => p.SessionId == id).ExecuteDeleteAsync(cancellationToken);
            await db.UploadSessions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
            report.ExpiredUploads++;
        }
    }

    private async Task MeasureUsageAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        usage.Update(await StorageAccounting.PerNamespaceAsync(db, ns: null, cancellationToken));
    }

    // ---- lease -----------------------------------------------------------------------------------

    private async Task<bool> TryAcquireLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + options.Value.LeaseDuration;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var taken = await db.Leases.Where(l => l.Name == LeaseName && (l.ExpiresAt < now || l.Holder == _holder))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, _holder).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken > 0) return true;
        if (await db.Leases.AnyAsync(l => l.Name == LeaseName, cancellationToken)) return false;
        db.Leases.Add(new Lease { Name = LeaseName, Holder = _holder, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false; // another replica created it first
        }
    }

    private async Task ReleaseLeaseAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        await db.Leases.Where(l => l.Name == LeaseName && l.Holder == _holder)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAt, DateTimeOffset.MinValue.AddYears(1)));
    }

    private sealed class Counts
    {
        public long EvictedBlobs;
        public long EvictedEntries;
        public long DeletedObjects;
        public long OrphanObjects;
        public long RepairedBlobs;
        public long ExpiredUploads;
    }
}
