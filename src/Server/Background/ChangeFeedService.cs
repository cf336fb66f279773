using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Background;

/// <summary>
/// Reads the change log every second and forgets, from this replica's lookup cache, what other
/// replicas deleted or overwrote: a delete or overwrite anywhere is seen everywhere within about two
/// seconds. Ids skipped by a read (a transaction that had not committed yet) are asked for again for a
/// while, so a late commit is not missed.
/// </summary>
public sealed class ChangeFeedService(ChangeLog changes, LookupCache lookups, ILogger<ChangeFeedService> logger) : PeriodicService(logger)
{
    private const int BatchSize = 5000;
    private const int MaxGap = 1000;
    private static readonly TimeSpan GapPatience = TimeSpan.FromSeconds(30);

    private readonly Dictionary<long, DateTimeOffset> _gaps = [];
    private long _lastId;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    // Nothing is cached before the server serves: start from the newest change.
    protected override async Task PrepareAsync(CancellationToken cancellationToken) => _lastId = await changes.LatestIdAsync(cancellationToken);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var stale in _gaps.Where(g => now - g.Value > GapPatience).Select(g => g.Key).ToList()) _gaps.Remove(stale);

        IReadOnlyList<ChangeRecord> batch;
        do
        {
            batch = await changes.ReadAsync(_lastId, _gaps.Keys, BatchSize, cancellationToken);
            foreach (var change in batch)
            {
                Apply(change);
                _gaps.Remove(change.Id);
                if (change.Id <= _lastId) continue;
                // A wide jump is ids spent by rolled-back transactions, not commits still to come.
                if (change.Id - _lastId <= MaxGap)
                {
                    for (var skipped = _lastId + 1; skipped < change.Id; skipped++) _gaps.TryAdd(skipped, now);
                }
                _lastId = change.Id;
            }
        }
        while (batch.Count == BatchSize);
    }

    private void Apply(ChangeRecord change)
    {
        if (!NamespaceName.TryParse(change.Namespace, out var ns)) return;
        switch (change.Kind)
        {
            case "blob" when Sha256Digest.TryParse(change.Key, out var digest):
                // The namespace's entries whose value the blob was are incomplete now, and not in the log: forget them all.
                lookups.InvalidateBlob(ns, digest);
                lookups.InvalidateNamespace(ns);
                break;
            case "entry":
                var colon = change.Key.IndexOf(':');
                if (colon > 0 && Enum.TryParse<EntryKind>(change.Key[..colon], out var kind)) lookups.InvalidateEntry(new EntryAddress(ns, kind, change.Key[(colon + 1)..]));
                break;
        }
    }
}
