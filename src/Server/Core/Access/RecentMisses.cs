using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Core.Access;

/// <summary>A lookup that missed: when, where, which protocol and key.</summary>
public sealed record RecentMiss(DateTimeOffset At, string Namespace, string Protocol, string Key);

/// <summary>
/// The latest misses, in memory, until the dashboard's history service writes them to the database.
/// Bounded: a ring of <see cref="Capacity"/>, so a storm of misses keeps its latest, and recording one
/// is an interlocked increment and a store whatever the storm.
/// </summary>
public sealed class RecentMisses(TimeProvider clock)
{
    public const int Capacity = 2000;

    private readonly Slot?[] _ring = new Slot?[Capacity];
    private readonly Lock _taking = new();
    private long _recorded;
    private long _taken;

    public void Record(string protocol, NamespaceName ns, string key)
    {
        var sequence = Interlocked.Increment(ref _recorded) - 1;
        _ring[sequence % Capacity] = new Slot(sequence, new RecentMiss(clock.GetUtcNow(), ns.Value, protocol, key.Length > 255 ? key[..255] : key));
    }

    /// <summary>What was recorded since the last call (at most the latest <see cref="Capacity"/>), oldest first.</summary>
    public IReadOnlyList<RecentMiss> Take()
    {
        lock (_taking)
        {
            var (misses, end) = Since(_taken);
            _taken = end;
            return misses;
        }
    }

    /// <summary>What is waiting to be written, without taking it.</summary>
    public IReadOnlyList<RecentMiss> Peek()
    {
        lock (_taking) return Since(_taken).Misses;
    }

    // Stops at a slot whose writer has not stored its miss yet (the next call starts there); a slot a later lap
    // overwrote is skipped (the ring kept the newer miss).
    private (List<RecentMiss> Misses, long End) Since(long taken)
    {
        var end = Interlocked.Read(ref _recorded);
        var misses = new List<RecentMiss>();
        for (var sequence = Math.Max(taken, end - Capacity); sequence < end; sequence++)
        {
            var slot = Volatile.Read(ref _ring[sequence % Capacity]);
            if (slot is null || slot.Sequence < sequence) return (misses, sequence);
            if (slot.Sequence == sequence) misses.Add(slot.Miss);
        }
        return (misses, end);
    }

    private sealed record Slot(long Sequence, RecentMiss Miss);
}
