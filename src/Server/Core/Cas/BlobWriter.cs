using System.Collections.Concurrent;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Core.Cas;

/// <summary>
/// Commits verified uploads: publishes the staged object under a fresh key and records it with the
/// namespace's grant, in one metadata command; a small blob's bytes go into that command instead
/// (inline: no object, no file to create, and nothing to delete but the row). Concurrent uploads of the same new blob on this server
/// store it once: the first commits, the others wait for it (or find it stored a moment ago) and discard
/// their copies, taking over if it fails. Across replicas both may store; the registration that loses
/// deletes its own object.
/// </summary>
public sealed class BlobWriter(IBlobStore store, BlobCatalog catalog, MetadataWriter writer, IOptions<StorageOptions> storage,
    CacheMetrics metrics, TimeProvider clock, ILogger<BlobWriter> logger)
    : IDisposable
{
    private static readonly TimeSpan RecentlyStoredFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Sha256Digest, Task<bool>> _inFlight = new();

    // Blobs this server stored a moment ago: an upload that started before they were stored need not store them again.
    // Under a stream of new uploads it is always full: a compaction (which sorts every item by its last use) drops
    // half of it, not 5 % (perf: compacting 5 % at a time took 4.7 % of the request threads' samples).
    private readonly MemoryCache _recentlyStored = new(new MemoryCacheOptions { SizeLimit = 10_000, CompactionPercentage = 0.5 });

    /// <summary>
    /// Stores the upload (unless another upload of the same content does so first) and grants it to the
    /// namespace; <paramref name="addToCommit"/> may add writes that must commit with the registration.
    /// </summary>
    public async Task StoreAsync(NamespaceName ns, IngestedBlob upload, Action<MetadataWrite>? addToCommit, CancellationToken cancellationToken)
    {
        if (upload.Content is null) throw new InvalidOperationException("only uploads whose content was kept can be stored");
        if (_recentlyStored.TryGetValue(upload.Digest, out _))
        {
            try
            {
                await GrantAsync(ns, upload.Digest, addToCommit, cancellationToken);
                return;
            }
            catch (MetadataConstraintException)
            {
                _recentlyStored.Remove(upload.Digest); // deleted since: store ours
            }
        }
        while (true)
        {
            var mine = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = _inFlight.GetOrAdd(upload.Digest, mine.Task);
            if (running != mine.Task)
            {
                // Another upload of this content is storing it: once it has, ours only needs the grant.
                if (await running)
                {
                    await GrantAsync(ns, upload.Digest, addToCommit, cancellationToken);
                    return;
                }
                continue;
            }
            try
            {
                await PublishAndRegisterAsync(ns, upload, addToCommit, cancellationToken);
                _recentlyStored.Set(upload.Digest, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = RecentlyStoredFor });
                mine.SetResult(true);
                return;
            }
            catch
            {
                mine.SetResult(false);
                throw;
            }
            finally
            {
                _inFlight.TryRemove(upload.Digest, out _);
            }
        }
    }

    /// <summary>Grants the namespace a blob that is stored already, with any writes that must commit with it.</summary>
    /// <exception cref="MetadataConstraintException">The blob is no longer stored (or a co-committed write names something missing).</exception>
    public async Task GrantAsync(NamespaceName ns, Sha256Digest digest, Action<MetadataWrite>? addToCommit, CancellationToken cancellationToken)
    {
        var write = writer.Begin();
        catalog.Grant(write, ns, digest, clock.GetUtcNow());
        addToCommit?.Invoke(write);
        await writer.CommitAsync(write, cancellationToken);
    }

    private async Task PublishAndRegisterAsync(NamespaceName ns, IngestedBlob upload, Action<MetadataWrite>? addToCommit, CancellationToken cancellationToken)
    {
        if (upload.Content is StagedBytes { Length: > 0 } small && small.Length <= storage.Value.InlineMaxBytes)
        {
            await RegisterInlineAsync(ns, upload, small.Memory.ToArray(), addToCommit, cancellationToken);
            return;
        }
        var key = StorageKey.ForNewBlob(upload.Digest, upload.Encoding);
        await store.PutAsync(key, upload.Content!, cancellationToken);
        metrics.StoredBytes.Add(upload.StoredSize, "write");
        var write = writer.Begin();
        catalog.Register(write, ns, new StoredBlob(upload.Digest, upload.Size, upload.StoredSize, upload.Encoding, key), clock.GetUtcNow());
        addToCommit?.Invoke(write);
        string? winner;
        try
        {
            winner = await writer.CommitAsync(write, cancellationToken);
        }
        catch
        {
            await DeleteQuietlyAsync(key);
            throw;
        }
        if (winner != key.Value) await DeleteQuietlyAsync(key); // another replica registered the blob first: ours is not referenced
    }

    private async Task RegisterInlineAsync(NamespaceName ns, IngestedBlob upload, byte[] content, Action<MetadataWrite>? addToCommit, CancellationToken cancellationToken)
    {
        var blob = new StoredBlob(upload.Digest, upload.Size, content.Length, upload.Encoding, Key: null);
        var write = writer.Begin();
        catalog.Register(write, ns, blob, clock.GetUtcNow(), content);
        addToCommit?.Invoke(write);
        await writer.CommitAsync(write, cancellationToken);
        metrics.StoredBytes.Add(content.Length, "write");
    }

    public void Dispose() => _recentlyStored.Dispose();

    private async Task DeleteQuietlyAsync(StorageKey key)
    {
        try
        {
            await store.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not delete unreferenced object {Key}; the orphan sweep will", key);
        }
    }
}
