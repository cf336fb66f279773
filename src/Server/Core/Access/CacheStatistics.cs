using System.Collections.Concurrent;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// Lookups (hits and misses) and writes per protocol and namespace since the process started, kept in
/// memory for the operator API and published through the <see cref="CacheMetrics"/> instruments; the
/// keys of recent misses go to <see cref="RecentMisses"/>.
/// </summary>
public sealed class CacheStatistics(CacheMetrics metrics, RecentMisses recentMisses)
{
    private readonly ConcurrentDictionary<(string Protocol, string Namespace), Counters> _counters = new();

    public void RecordLookup(string protocol, NamespaceName ns, bool hit, string key)
    {
        if (!hit) recentMisses.Record(protocol, ns, key);
        var counters = _counters.GetOrAdd((protocol, ns.Value), _ => new Counters());
        if (hit) Interlocked.Increment(ref counters.Hits);
        else Interlocked.Increment(ref counters.Misses);
        metrics.Lookups.Add(1, new("protocol", protocol), new("namespace", ns.Value), new("result", hit ? "hit" : "miss"));
    }

    public void RecordWrite(string protocol, NamespaceName ns)
    {
        Interlocked.Increment(ref _counters.GetOrAdd((protocol, ns.Value), _ => new Counters()).Writes);
        metrics.Writes.Add(1, new("protocol", protocol), new("namespace", ns.Value));
    }

    public IReadOnlyList<ProtocolHitRate> Snapshot() =>
        _counters.OrderBy(p => p.Key.Protocol).ThenBy(p => p.Key.Namespace)
            .Select(p => new ProtocolHitRate(p.Key.Protocol, p.Key.Namespace,
                Interlocked.Read(ref p.Value.Hits), Interlocked.Read(ref p.Value.Misses), Interlocked.Read(ref p.Value.Writes)))
            .ToList();

    private sealed class Counters
    {
        public long Hits;
        public long Misses;
        public long Writes;
    }
}
