using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// Takes blobs out of namespaces, for garbage collection and by hand: the namespace's entries naming
/// the blob go with its grant, atomically; a blob no namespace holds any more loses its row, then its
/// object (metadata first, so nothing ever names a deleted object).
/// </summary>
public sealed class BlobRemover(BlobCatalog catalog, EntryCatalog entries, IBlobStore store, AccessTracker access, LookupCache lookups, CacheMetrics metrics, TimeProvider clock,
    ILogger<BlobRemover> logger)
{
    /// <summary>Takes the blob from the namespace and deletes it when no namespace holds it any more.</summary>
    /// <param name="notAccessedSince">Only if the blob has not been used since (garbage collection's grace period).</param>
    public async Task<EvictionOutcome> RemoveAsync(NamespaceName ns, Sha256Digest digest, string reason, DateTimeOffset? notAccessedSince, CancellationToken cancellationToken)
    {
        // Use recorded here but not yet written counts too (the database has the rest).
        var (eviction, usedMeanwhile) = access.BeginEviction(digest, notAccessedSince);
        EvictionOutcome outcome;
        using (eviction)
        {
            if (usedMeanwhile) return EvictionOutcome.NotHeld;
            outcome = await catalog.EvictAsync(ns, digest, clock.GetUtcNow(), notAccessedSince, cancellationToken);
            if (outcome != EvictionOutcome.Evicted) return outcome;
            // Entries that named the blob are in the change log for other replicas; here they are forgotten at once.
            lookups.InvalidateBlob(ns, digest);
            lookups.InvalidateNamespace(ns);
        }
        metrics.Evictions.Add(1, ns.Value, reason);
        await DeleteIfUnheldAsync(digest, notAccessedSince, cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Removes a blob from a namespace by hand, with the entries using it: also those whose value it is, which an
    /// eviction leaves incomplete (a later upload of the blob would make them hits again). False when the namespace
    /// did not have it.
    /// </summary>
    public async Task<bool> RemoveByHandAsync(NamespaceName ns, Sha256Digest digest, CancellationToken cancellationToken)
    {
        switch (await RemoveAsync(ns, digest, "deleted", notAccessedSince: null, cancellationToken))
        {
            case EvictionOutcome.Evicted:
                await entries.RemoveWithValueAsync(ns, digest, clock.GetUtcNow(), cancellationToken);
                lookups.InvalidateNamespace(ns);
                return true;
            case EvictionOutcome.Pinned:
                throw DomainException.Conflict($"blob {digest} is a file of a published artifact version; delete the version first");
            default:
                return false;
        }
    }

    /// <summary>Deletes the blob's row and object if no namespace holds it. True when it was deleted.</summary>
    public async Task<bool> DeleteIfUnheldAsync(Sha256Digest digest, DateTimeOffset? notAccessedSince, CancellationToken cancellationToken)
    {
        if (notAccessedSince is { } since && access.UsedSince(digest, since)) return false;
        if (await catalog.DeleteIfUnheldAsync(digest, notAccessedSince, cancellationToken) is not { } deleted) return false;
        lookups.InvalidateDigest(digest);
        if (deleted.ObjectKey is not { } key) return true; // inline: its bytes went with its row
        try
        {
            await store.DeleteAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing names the object any more: the orphan sweep removes it later.
            logger.LogWarning("Could not delete object {Key} of removed blob {Digest}: {Error}", key, digest, e.Message);
        }
        return true;
    }
}
