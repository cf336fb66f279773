using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// Brings metadata back in line with storage and with itself: blobs whose object is gone are forgotten
/// (so clients upload them again), entries naming a blob that has gone are removed, blobs no namespace
/// holds are deleted after the grace period, and expired upload sessions go with their parts.
/// </summary>
public sealed class MetadataRepair(
    BlobCatalog blobs,
    EntryCatalog entries,
    UploadCatalog uploads,
    ChangeLog changes,
    BlobRemover remover,
    LookupCache lookups,
    IBlobStore store,
    IOptions<GcOptions> options,
    TimeProvider clock,
    ILogger<MetadataRepair> logger)
{
    internal async Task RunAsync(IReadOnlySet<string> storedKeys, GcCounts counts, CancellationToken cancellationToken)
    {
        await ForgetMissingObjectsAsync(storedKeys, counts, cancellationToken);
        counts.RemovedIncompleteEntries += await entries.RemoveIncompleteAsync(clock.GetUtcNow(), cancellationToken);
        await DeleteUnheldBlobsAsync(counts, cancellationToken);
        await ExpireUploadsAsync(counts, cancellationToken);
        await changes.PruneAsync(clock.GetUtcNow() - options.Value.ChangeLogRetention, cancellationToken);
    }

    private async Task ForgetMissingObjectsAsync(IReadOnlySet<string> storedKeys, GcCounts counts, CancellationToken cancellationToken)
    {
        // Recorded only just now: the listing may predate the object.
        var cutoff = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        string? after = null;
        while (true)
        {
            var batch = await blobs.LocationsAsync(after, options.Value.BatchSize, cancellationToken);
            if (batch.Count == 0) return;
            after = batch[^1].Digest.Hex;
            foreach (var blob in batch.Where(b => b.CreatedAt < cutoff && !storedKeys.Contains(b.Key.Value)))
            {
                // The listing is a moment old: look again before forgetting.
                if (await store.GetLengthAsync(blob.Key, cancellationToken) is not null) continue;
                logger.LogWarning("Blob {Digest} is in the metadata but not in storage; it is forgotten, so the next upload stores it again", blob.Digest);
                lookups.InvalidateDigest(blob.Digest);
                if (await blobs.ForgetAsync(blob.Digest, blob.Key, clock.GetUtcNow(), cancellationToken)) counts.RepairedBlobs++;
            }
        }
    }

    private async Task DeleteUnheldBlobsAsync(GcCounts counts, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.PresenceGracePeriod;
        while (true)
        {
            var batch = await blobs.UnheldAsync(cutoff, options.Value.BatchSize, cancellationToken);
            var deleted = 0;
            foreach (var digest in batch)
            {
                if (!await remover.DeleteIfUnheldAsync(digest, cutoff, cancellationToken)) continue;
                deleted++;
                counts.DeletedObjects++;
            }
            if (batch.Count < options.Value.BatchSize || deleted == 0) return;
        }
    }

    private async Task ExpireUploadsAsync(GcCounts counts, CancellationToken cancellationToken)
    {
        foreach (var id in await uploads.ExpiredAsync(clock.GetUtcNow(), options.Value.BatchSize, cancellationToken))
        {
            foreach (var part in await uploads.PartsAsync(id, cancellationToken)) await store.DeleteAsync(StorageKey.ForUploadPart(id, part.Number), cancellationToken);
            await uploads.DeleteSessionAsync(id, cancellationToken);
            counts.ExpiredUploads++;
        }
    }
}
