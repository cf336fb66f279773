using System.Collections.Concurrent;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Core.Access;

/// <summary>A lookup that missed: when, where, which protocol and key.</summary>
public sealed record RecentMiss(DateTimeOffset At, string Namespace, string Protocol, string Key);

/// <summary>
/// The latest misses, in memory, until the dashboard's history service writes them to the database.
/// Bounded: past <see cref="Capacity"/> the oldest are dropped (a storm of misses keeps its latest).
/// </summary>
public sealed class RecentMisses(TimeProvider clock)
{
    public const int Capacity = 2000;

    private readonly ConcurrentQueue<RecentMiss> _pending = new();

    public void Record(string protocol, NamespaceName ns, string key)
    {
        _pending.Enqueue(new RecentMiss(clock.GetUtcNow(), ns.Value, protocol, key.Length > 255 ? key[..255] : key));
        while (_pending.Count > Capacity && _pending.TryDequeue(out _))
        {
        }
    }

    /// <summary>What was recorded since the last call, oldest first.</summary>
    public IReadOnlyList<RecentMiss> Take()
    {
        var taken = new List<RecentMiss>();
        while (taken.Count < Capacity && _pending.TryDequeue(out var miss)) taken.Add(miss);
        return taken;
    }

    /// <summary>What is waiting to be written, without taking it.</summary>
    public IReadOnlyList<RecentMiss> Peek() => _pending.ToArray();
}
