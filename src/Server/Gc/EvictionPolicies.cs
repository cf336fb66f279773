using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Gc;

/// <summary>
/// The eviction rules: per-namespace quotas and maximum ages, and the global bound. Only content not
/// used within the grace period is evicted (a blob a client was just told is present, or just wrote,
/// stays); over a bound, least recently used content goes until usage is at the low-water mark; under
/// it, nothing goes. Files of published artifact versions are never evicted.
/// </summary>
public sealed class EvictionPolicies(
    BlobCatalog blobs,
    EntryCatalog entries,
    UsageCatalog usage,
    BlobRemover remover,
    IOptions<GcOptions> options,
    TimeProvider clock)
{
    internal async Task RunAsync(GcCounts counts, CancellationToken cancellationToken)
    {
        foreach (var (name, quota) in options.Value.Namespaces.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (!NamespaceName.TryParse(name, out var ns)) continue;
            if (quota.MaxAge is { } maxAge) await EvictOlderThanAsync(ns, maxAge, counts, cancellationToken);
            if (quota.MaxBytes > 0) await EvictOverQuotaAsync(ns, quota.MaxBytes, counts, cancellationToken);
        }
        if (options.Value.GlobalMaxBytes > 0) await EvictOverGlobalBoundAsync(options.Value.GlobalMaxBytes, counts, cancellationToken);
    }

    private DateTimeOffset GraceCutoff => clock.GetUtcNow() - options.Value.PresenceGracePeriod;

    private async Task EvictOverQuotaAsync(NamespaceName ns, long maxBytes, GcCounts counts, CancellationToken cancellationToken)
    {
        var used = await usage.StoredBytesAsync(ns, cancellationToken);
        if (used <= maxBytes) return;
        var target = (long)(maxBytes * options.Value.LowWaterRatio);
        await EvictLeastRecentlyUsedAsync(ns, GraceCutoff, "quota", () => used > target, blob => used -= blob.StoredSize, counts, cancellationToken);
    }

    private async Task EvictOlderThanAsync(NamespaceName ns, TimeSpan maxAge, GcCounts counts, CancellationToken cancellationToken)
    {
        var cutoff = Earlier(clock.GetUtcNow() - maxAge, GraceCutoff);
        counts.EntriesEvicted(ns, "age", await entries.RemoveUnusedAsync(ns, cutoff, clock.GetUtcNow(), cancellationToken));
        await EvictLeastRecentlyUsedAsync(ns, cutoff, "age", () => true, _ => { }, counts, cancellationToken);
    }

    private async Task EvictOverGlobalBoundAsync(long maxBytes, GcCounts counts, CancellationToken cancellationToken)
    {
        var used = await blobs.TotalStoredBytesAsync(cancellationToken);
        if (used <= maxBytes) return;
        var target = (long)(maxBytes * options.Value.LowWaterRatio);
        var cutoff = GraceCutoff;
        BlobCandidate? after = null;
        while (used > target)
        {
            var batch = await blobs.LeastRecentlyUsedAsync(ns: null, cutoff, after, options.Value.BatchSize, cancellationToken);
            if (batch.Count == 0) return;
            foreach (var blob in batch)
            {
                after = blob;
                if (used <= target) return;
                var evicted = false;
                foreach (var ns in await blobs.HoldersAsync(blob.Digest, cancellationToken))
                {
                    if (await remover.RemoveAsync(ns, blob.Digest, "global", cutoff, cancellationToken) == EvictionOutcome.Evicted)
                    {
                        counts.BlobEvicted(ns, "global", blob.StoredSize);
                        evicted = true;
                    }
                }
                // Held by no namespace (any more): the row and object go all the same.
                if (!evicted && await remover.DeleteIfUnheldAsync(blob.Digest, cutoff, cancellationToken)) evicted = true;
                if (evicted)
                {
                    used -= blob.StoredSize;
                    counts.DeletedObjects++;
                }
            }
        }
    }

    /// <summary>Walks the namespace's blobs from least recently used, evicting while <paramref name="wanted"/> says so.</summary>
    private async Task EvictLeastRecentlyUsedAsync(NamespaceName ns, DateTimeOffset cutoff, string reason, Func<bool> wanted, Action<BlobCandidate> evicted,
        GcCounts counts, CancellationToken cancellationToken)
    {
        BlobCandidate? after = null;
        while (wanted())
        {
            var batch = await blobs.LeastRecentlyUsedAsync(ns, cutoff, after, options.Value.BatchSize, cancellationToken);
            if (batch.Count == 0) return;
            foreach (var blob in batch)
            {
                after = blob;
                if (!wanted()) return;
                if (await remover.RemoveAsync(ns, blob.Digest, reason, cutoff, cancellationToken) != EvictionOutcome.Evicted) continue;
                counts.BlobEvicted(ns, reason, blob.StoredSize);
                evicted(blob);
            }
        }
    }

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
