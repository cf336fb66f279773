using System.Collections.Frozen;
using CacheRegistry.Common.Api;

namespace CacheRegistry.Server.Core.Access;

/// <summary>Stored bytes and objects per namespace, as last measured by garbage collection (read by the gauges).</summary>
public sealed class StorageUsage
{
    private volatile FrozenDictionary<string, NamespaceStats> _byNamespace = FrozenDictionary<string, NamespaceStats>.Empty;

    public IReadOnlyDictionary<string, NamespaceStats> ByNamespace => _byNamespace;

    public void Update(IEnumerable<NamespaceStats> usage) => _byNamespace = usage.ToFrozenDictionary(u => u.Namespace);
}
