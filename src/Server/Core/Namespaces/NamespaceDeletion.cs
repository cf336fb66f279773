using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core.Namespaces;

/// <summary>What deleting a namespace removed.</summary>
public sealed record NamespaceDeletionReport(long Blobs, long Entries, long DeletedObjects);

/// <summary>Removes everything in a namespace: artifacts, entries, and its blobs (from storage when no other namespace holds them).</summary>
public sealed class NamespaceDeletion(ArtifactCatalog artifacts, EntryCatalog entries, BlobCatalog blobs, BlobRemover remover, LookupCache lookups, TimeProvider clock)
{
    private const int BatchSize = 500;

    /// <returns>Null when the namespace holds nothing.</returns>
    public async Task<NamespaceDeletionReport?> DeleteAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        await artifacts.DeleteNamespaceAsync(ns, cancellationToken);
        var removedEntries = await entries.RemoveUnusedAsync(ns, cutoff: null, clock.GetUtcNow(), cancellationToken);
        lookups.InvalidateNamespace(ns);
        long removedBlobs = 0, deletedObjects = 0;
        string? after = null;
        while (true)
        {
            var batch = await blobs.HeldByAsync(ns, after, BatchSize, cancellationToken);
            if (batch.Count == 0) break;
            after = batch[^1].Hex;
            foreach (var digest in batch)
            {
                if (await blobs.EvictAsync(ns, digest, clock.GetUtcNow(), notAccessedSince: null, cancellationToken) != EvictionOutcome.Evicted) continue;
                removedBlobs++;
                if (await remover.DeleteIfUnheldAsync(digest, notAccessedSince: null, cancellationToken)) deletedObjects++;
            }
        }
        lookups.InvalidateNamespace(ns);
        return removedBlobs == 0 && removedEntries == 0 ? null : new NamespaceDeletionReport(removedBlobs, removedEntries, deletedObjects);
    }
}
