using System.Collections.Frozen;

namespace CacheRegistry.Server.Observability;

/// <summary>Stored bytes and objects per namespace, as last measured by garbage collection (read by the gauges and the stats API).</summary>
public sealed class StorageUsage
{
    private volatile FrozenDictionary<string, NamespaceUsage> _byNamespace = FrozenDictionary<string, NamespaceUsage>.Empty;

    public IReadOnlyDictionary<string, NamespaceUsage> ByNamespace => _byNamespace;

    public void Update(IEnumerable<NamespaceUsage> usage) => _byNamespace = usage.ToFrozenDictionary(u => u.Namespace);
}

public sealed record NamespaceUsage(string Namespace, long Bytes, long Blobs, long Entries);
