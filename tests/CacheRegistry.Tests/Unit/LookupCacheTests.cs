using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Tests.Unit;

/// <summary>
/// The in-memory cache of positive lookups: an answer the database gave before a write's invalidation is
/// never served after it, however the lookup and the write interleave.
/// </summary>
public sealed class LookupCacheTests : IDisposable
{
    private static readonly NamespaceName Team = NamespaceName.Parse("team");
    private static readonly EntryAddress Address = new(Team, EntryKind.Action, new string('a', 64));
    private static readonly Sha256Digest Digest = TestData.Digest([1, 2, 3]);

    private readonly LookupCache _cache = new(Options.Create(new CacheLimitsOptions()));

    [Fact]
    public void An_answer_read_with_nothing_invalidated_meanwhile_is_served()
    {
        _cache.Add(_cache.EntrySlot(Address), Entry(1));
        _cache.Add(_cache.BlobSlot(Team, Digest), Blob(1));

        Assert.True(_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out var entry));
        Assert.Equal(1, entry.Value.Size);
        Assert.True(_cache.TryGet<StoredBlob>(_cache.BlobSlot(Team, Digest), out var blob));
        Assert.Equal(1, blob.Size);
    }

    [Fact]
    public void An_entry_read_before_the_entry_was_invalidated_and_added_after_is_not_served()
    {
        var slot = _cache.EntrySlot(Address); // then the database is asked; a write commits and invalidates meanwhile
        _cache.InvalidateEntry(Address);
        _cache.Add(slot, Entry(1));

        Assert.False(_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out _));
        Assert.False(_cache.TryGet<FoundEntry>(slot, out _));
    }

    [Fact]
    public void An_entry_read_before_its_namespace_was_invalidated_and_added_after_is_not_served()
    {
        // What an eviction does: the entries naming the blob are deleted, then the namespace's lookups forgotten.
        var slot = _cache.EntrySlot(Address);
        _cache.InvalidateNamespace(Team);
        _cache.Add(slot, Entry(1));

        Assert.False(_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out _));
    }

    [Fact]
    public void A_blob_read_before_it_was_invalidated_and_added_after_is_not_served()
    {
        var inNamespace = _cache.BlobSlot(Team, Digest);
        _cache.InvalidateBlob(Team, Digest);
        _cache.Add(inNamespace, Blob(1));
        Assert.False(_cache.TryGet<StoredBlob>(_cache.BlobSlot(Team, Digest), out _));

        var everywhere = _cache.BlobSlot(Team, Digest);
        _cache.InvalidateDigest(Digest);
        _cache.Add(everywhere, Blob(1));
        Assert.False(_cache.TryGet<StoredBlob>(_cache.BlobSlot(Team, Digest), out _));
    }

    [Fact]
    public void An_answer_read_again_after_an_invalidation_is_served()
    {
        _cache.Add(_cache.EntrySlot(Address), Entry(1));
        _cache.InvalidateEntry(Address);
        Assert.False(_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out _));

        _cache.Add(_cache.EntrySlot(Address), Entry(2));
        Assert.True(_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out var entry));
        Assert.Equal(2, entry.Value.Size);
    }

    [Fact]
    public async Task Lookups_racing_writes_never_serve_an_answer_older_than_the_last_completed_invalidation()
    {
        // The "database" is a version number; a write commits a new one, then invalidates.
        long committed = 0;
        long violations = 0, served = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var readers = Enumerable.Range(0, 3).Select(reader => DedicatedThread.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var slot = _cache.EntrySlot(Address);
                if (!_cache.TryGet<FoundEntry>(slot, out _)) _cache.Add(slot, Entry(Volatile.Read(ref committed)));
            }
        })).ToList();
        var writer = DedicatedThread.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var version = Interlocked.Increment(ref committed);
                _cache.InvalidateEntry(Address);
                // From here on, nothing older than this version may be served.
                for (var i = 0; i < 200; i++)
                {
                    if (_cache.TryGet<FoundEntry>(_cache.EntrySlot(Address), out var entry))
                    {
                        served++;
                        if (entry.Value.Size < version) violations++;
                    }
                    Thread.Yield(); // let the readers look up and add meanwhile
                }
            }
        });

        await Task.WhenAll(readers.Append(writer));
        Assert.Equal(0, violations);
        Assert.True(served > 100, $"the race was not exercised: {served} answers served to the writer");
    }

    private static FoundEntry Entry(long version) => new(Blob(version), new Dictionary<string, string>(), []);

    private static StoredBlob Blob(long size) => new(Digest, size, size, BlobEncoding.Identity, StorageKey.ForNewBlob(Digest, BlobEncoding.Identity));

    public void Dispose() => _cache.Dispose();
}
