using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// Deletes stored objects no metadata names: left by a crash between storing and recording, or by a
/// registration another replica won. Objects younger than the orphan grace period may belong to an
/// upload in progress and are left alone.
/// </summary>
public sealed class OrphanSweep(IBlobStore store, BlobCatalog blobs, UploadCatalog uploads, IOptions<GcOptions> options, TimeProvider clock, ILogger<OrphanSweep> logger)
{
    /// <summary>Sweeps, and returns every blob object key seen (for the check that every recorded blob has its object).</summary>
    internal async Task<IReadOnlySet<string>> RunAsync(GcCounts counts, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<StorageKey>();
        await foreach (var item in store.ListAsync(StorageKey.BlobPrefix, cancellationToken))
        {
            if (!StorageKey.TryParseBlob(item.Key, out var key, out _, out _))
            {
                logger.LogWarning("Unrecognised object {Key} in blob storage is left alone", item.Key);
                continue;
            }
            seen.Add(key.Value);
            if (item.LastModified > cutoff) continue;
            batch.Add(key);
            if (batch.Count >= options.Value.BatchSize) await DeleteUnknownAsync(batch, counts, cancellationToken);
        }
        await DeleteUnknownAsync(batch, counts, cancellationToken);
        await SweepUploadPartsAsync(cutoff, counts, cancellationToken);
        return seen;
    }

    private async Task DeleteUnknownAsync(List<StorageKey> batch, GcCounts counts, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        var known = await blobs.KnownKeysAsync(batch.Select(k => k.Value).ToList(), cancellationToken);
        foreach (var key in batch.Where(k => !known.Contains(k.Value)))
        {
            await store.DeleteAsync(key, cancellationToken);
            counts.OrphanObjects++;
            logger.LogInformation("Removed orphan object {Key}", key);
        }
        batch.Clear();
    }

    private async Task SweepUploadPartsAsync(DateTimeOffset cutoff, GcCounts counts, CancellationToken cancellationToken)
    {
        var sessions = await uploads.SessionIdsAsync(cancellationToken);
        await foreach (var item in store.ListAsync("uploads/", cancellationToken))
        {
            if (item.LastModified > cutoff || !StorageKey.TryParseUploadPart(item.Key, out var key, out var session) || sessions.Contains(session)) continue;
            await store.DeleteAsync(key, cancellationToken);
            counts.OrphanObjects++;
        }
    }
}
