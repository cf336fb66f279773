using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// Lookups (hits and misses) and writes per protocol and namespace since the process started, counted in
/// the <see cref="CacheMetrics"/> tallies and read back for the operator API; the keys of recent misses
/// go to <see cref="RecentMisses"/>.
/// </summary>
public sealed class CacheStatistics(CacheMetrics metrics, RecentMisses recentMisses)
{
    private const string Hit = "hit";
    private const string Miss = "miss";

    public void RecordLookup(string protocol, NamespaceName ns, bool hit, string key)
    {
        if (!hit) recentMisses.Record(protocol, ns, key);
        metrics.Lookups.Add(1, protocol, ns.Value, hit ? Hit : Miss);
    }

    public void RecordWrite(string protocol, NamespaceName ns) => metrics.Writes.Add(1, protocol, ns.Value);

    public IReadOnlyList<ProtocolHitRate> Snapshot()
    {
        var counts = new Dictionary<(string Protocol, string Namespace), (long Hits, long Misses, long Writes)>();
        foreach (var (tags, total) in metrics.Lookups.Totals())
        {
            var series = (tags.First!, tags.Second!);
            var c = counts.GetValueOrDefault(series);
            counts[series] = tags.Third == Hit ? c with { Hits = c.Hits + total } : c with { Misses = c.Misses + total };
        }
        foreach (var (tags, total) in metrics.Writes.Totals())
        {
            var series = (tags.First!, tags.Second!);
            var c = counts.GetValueOrDefault(series);
            counts[series] = c with { Writes = c.Writes + total };
        }
        return counts.OrderBy(p => p.Key.Protocol).ThenBy(p => p.Key.Namespace)
            .Select(p => new ProtocolHitRate(p.Key.Protocol, p.Key.Namespace, p.Value.Hits, p.Value.Misses, p.Value.Writes))
            .ToList();
    }
}
