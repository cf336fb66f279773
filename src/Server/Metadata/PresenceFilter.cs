using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// What the metadata database may hold, as a (blocked) Bloom filter over blob grants (namespace, digest) and
/// entries (namespace, kind, key), so that a miss costs no query. Only "certainly not held" is trusted;
/// "maybe" asks the database. Deletions leave their bits set (a stale "maybe" costs one query).
/// <para>
/// Active only where this server is the database's one writer (SQLite, while no other server uses the
/// same file: <see cref="SqliteSharing"/>): writes by other replicas would not reach it. Every grant and
/// entry is added before its write is sent, so no reader that sees the committed row is told "not held"
/// (a write that then fails leaves a harmless "maybe"); the rows stored before the server started are
/// added by one scan at start (<see cref="Background.PresenceFilterLoader"/>), and until it finishes
/// every answer is "maybe".
/// Past its capacity the filter turns itself off (every answer "maybe") until the next start.
/// </para>
/// </summary>
public sealed class PresenceFilter
{
    private const int BitsPerItem = 10;
    private const int Hashes = 7; // about 1 % false "maybe"s at capacity
    // An item's bits all lie in one block of 512 bits, the size of a cache line: a test reads one or two
    // lines (the array is only 8-byte aligned), not seven.
    private const int BlockBits = 512;
    private const int WordsPerBlock = BlockBits / 64;
    private const int BitIndexBits = 9; // log2(BlockBits)

    private readonly long[] _bits;
    private readonly ulong _blockCount;
    private readonly long _capacity;
    private long _added;
    private volatile bool _loaded;
    private volatile bool _disabled;

    /// <param name="capacity">Items it holds at its designed false-"maybe" rate; 0 makes a filter that is always off.</param>
    public PresenceFilter(long capacity)
    {
        _capacity = Math.Max(0, capacity);
        _blockCount = (ulong)Math.Max(1, (_capacity * BitsPerItem + BlockBits - 1) / BlockBits);
        _bits = new long[_capacity == 0 ? 0 : checked((int)(_blockCount * WordsPerBlock))];
    }

    public long Capacity => _capacity;

    /// <summary>Whether its "certainly not held" answers are given: loaded and within capacity.</summary>
    public bool IsActive => _loaded && !_disabled && _capacity > 0 && Interlocked.Read(ref _added) <= _capacity;

    /// <summary>Whether it was turned off for good (another server writes to the same database).</summary>
    public bool IsDisabled => _disabled;

    internal void Disable() => _disabled = true;

    /// <summary>Whether it was turned off by holding more than its capacity (items deleted since the start still count).</summary>
    public bool IsSaturated => Interlocked.Read(ref _added) > _capacity;

    internal void MarkLoaded() => _loaded = true;

    public bool MayHoldBlob(NamespaceName ns, Sha256Digest digest) => !IsActive || Test(BlobHashes(ns, digest));

    public bool MayHoldEntry(EntryAddress address) => !IsActive || Test(EntryHashes(address.Namespace.Value, address.Kind.ToString(), address.Key));

    internal void AddBlob(string ns, string digestHex) => Add(BlobHashes(ns, digestHex));

    internal void AddEntry(string ns, string kind, string key) => Add(EntryHashes(ns, kind, key));

    private void Add((ulong, ulong) hashes)
    {
        if (_capacity == 0) return;
        var (block, bits) = hashes;
        var first = FirstWord(block);
        var isNew = false;
        for (var i = 0; i < Hashes; i++, bits >>= BitIndexBits)
        {
            var bit = (int)(bits % BlockBits);
            var mask = 1L << (bit % 64);
            isNew |= (Interlocked.Or(ref _bits[first + bit / 64], mask) & mask) == 0;
        }
        // Counted once per item: writing an entry again or re-granting a blob sets no new bit.
        if (isNew) Interlocked.Increment(ref _added);
    }

    private bool Test((ulong, ulong) hashes)
    {
        var (block, bits) = hashes;
        var first = FirstWord(block);
        for (var i = 0; i < Hashes; i++, bits >>= BitIndexBits)
        {
            var bit = (int)(bits % BlockBits);
            if ((Volatile.Read(ref _bits[first + bit / 64]) & (1L << (bit % 64))) == 0) return false;
        }
        return true;
    }

    // The block's first word: the hash scaled to the block count (its high bits decide, no division).
    private int FirstWord(ulong blockHash) => (int)Math.BigMul(blockHash, _blockCount, out _) * WordsPerBlock;

    private static (ulong, ulong) BlobHashes(NamespaceName ns, Sha256Digest digest) => BlobHashes(ns.Value, digest.Hex);

    // Two hashes: which block, and (9 bits each) which bits in it. A digest is uniformly distributed already:
    // its first 32 hex digits are the two hashes, mixed with the namespace's.
    private static (ulong, ulong) BlobHashes(string ns, string digestHex)
    {
        var n = Hash(ns, Seed);
        var a = ulong.Parse(digestHex.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var b = ulong.Parse(digestHex.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return (Mix(a ^ n), Mix(b ^ (n * 31)));
    }

    private static (ulong, ulong) EntryHashes(string ns, string kind, string key)
    {
        var h = Hash(key, Hash(kind, Hash(ns, Seed) ^ 0xff) ^ 0xff);
        return (Mix(h), Mix(h ^ 0x9e3779b97f4a7c15UL));
    }

    private const ulong Seed = 0xcbf29ce484222325UL;

    // Four characters a step (rustc's FxHash step), spread over the whole word by Mix afterwards: a key of
    // 64 characters takes 16 multiplications, not 64.
    private static ulong Hash(string text, ulong hash)
    {
        const ulong multiplier = 0x517cc1b727220a95UL;
        var characters = text.AsSpan();
        var words = MemoryMarshal.Cast<char, ulong>(characters);
        foreach (var word in words) hash = (BitOperations.RotateLeft(hash, 5) ^ word) * multiplier;
        foreach (var c in characters[(words.Length * 4)..]) hash = (BitOperations.RotateLeft(hash, 5) ^ c) * multiplier;
        return hash;
    }

    // splitmix64's finalizer: spreads every input bit over the whole word.
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
