using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Lookups (hits and misses) and writes per protocol and namespace since the process started, kept in
/// memory for the operator API and published as System.Diagnostics.Metrics instruments.
/// </summary>
public sealed class CacheStatistics
{
    public const string MeterName = "CacheRegistry";

    private readonly ConcurrentDictionary<(string Protocol, string Namespace), Counters> _counters = new();
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _writes;

    public CacheStatistics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _lookups = meter.CreateCounter<long>("cacheregistry.lookups", description: "Cache lookups, tagged hit or miss");
        _writes = meter.CreateCounter<long>("cacheregistry.writes", description: "Entries and blobs written");
    }

    public void RecordLookup(string protocol, NamespaceName ns, bool hit)
    {
        var counters = _counters.GetOrAdd((protocol, ns.Value), _ => new Counters());
        if (hit) Interlocked.Increment(ref counters.Hits);
        else Interlocked.Increment(ref counters.Misses);
        _lookups.Add(1, new("protocol", protocol), new("namespace", ns.Value), new("result", hit ? "hit" : "miss"));
    }

    public void RecordWrite(string protocol, NamespaceName ns)
    {
        Interlocked.Increment(ref _counters.GetOrAdd((protocol, ns.Value), _ => new Counters()).Writes);
        _writes.Add(1, new("protocol", protocol), new("namespace", ns.Value));
    }

    public IReadOnlyList<ProtocolStatistics> Snapshot() =>
        _counters.OrderBy(p => p.Key.Protocol).ThenBy(p => p.Key.Namespace)
            .Select(p => new ProtocolStatistics(p.Key.Protocol, p.Key.Namespace,
                Interlocked.Read(ref p.Value.Hits), Interlocked.Read(ref p.Value.Misses), Interlocked.Read(ref p.Value.Writes)))
            .ToList();

    private sealed class Counters
    {
        public long Hits;
        public long Misses;
        public long Writes;
    }
}

public sealed record ProtocolStatistics(string Protocol, string Namespace, long Hits, long Misses, long Writes);
