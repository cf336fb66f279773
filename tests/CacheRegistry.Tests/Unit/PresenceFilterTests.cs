using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Tests.Unit;

public sealed class PresenceFilterTests
{
    private static readonly NamespaceName Team = NamespaceName.Parse("team");
    private static readonly NamespaceName Other = NamespaceName.Parse("other");

    [Fact]
    public void Everything_added_is_maybe_held_and_few_absent_items_are()
    {
        var filter = new PresenceFilter(100_000);
        var added = Enumerable.Range(0, 100_000).Select(i => Sha256Digest.Of(BitConverter.GetBytes(i))).ToList();
        foreach (var digest in added) filter.AddBlob(Team.Value, digest.Hex);
        filter.MarkLoaded();

        Assert.True(filter.IsActive);
        Assert.All(added, digest => Assert.True(filter.MayHoldBlob(Team, digest)));
        var absent = Enumerable.Range(100_000, 100_000).Select(i => Sha256Digest.Of(BitConverter.GetBytes(i))).Count(d => filter.MayHoldBlob(Team, d));
        var otherNamespace = added.Take(100_000).Count(d => filter.MayHoldBlob(Other, d));
        Assert.InRange(absent, 0, 2_000);          // designed for about 1 % at capacity
        Assert.InRange(otherNamespace, 0, 2_000);  // a grant is per namespace
    }

    [Fact]
    public void Every_entry_added_is_maybe_held_and_few_absent_entries_are()
    {
        var filter = new PresenceFilter(100_000);
        var key = (int i) => Sha256Digest.Of(BitConverter.GetBytes(i)).Hex[..(16 + i % 48)];
        for (var i = 0; i < 100_000; i++) filter.AddEntry(Team.Value, nameof(EntryKind.Turborepo), key(i));
        filter.MarkLoaded();

        Assert.All(Enumerable.Range(0, 100_000), i => Assert.True(filter.MayHoldEntry(new EntryAddress(Team, EntryKind.Turborepo, key(i)))));
        var absent = Enumerable.Range(100_000, 100_000).Count(i => filter.MayHoldEntry(new EntryAddress(Team, EntryKind.Turborepo, key(i))));
        var otherKind = Enumerable.Range(0, 100_000).Count(i => filter.MayHoldEntry(new EntryAddress(Team, EntryKind.Nx, key(i))));
        Assert.InRange(absent, 0, 2_000);
        Assert.InRange(otherKind, 0, 2_000);
    }

    [Fact]
    public void Entries_are_told_apart_by_namespace_kind_and_key()
    {
        var filter = new PresenceFilter(1_000);
        filter.AddEntry("team", nameof(EntryKind.Gradle), "key");
        filter.MarkLoaded();
        Assert.True(filter.MayHoldEntry(new EntryAddress(Team, EntryKind.Gradle, "key")));
        Assert.False(filter.MayHoldEntry(new EntryAddress(Team, EntryKind.Gradle, "key2")));
        Assert.False(filter.MayHoldEntry(new EntryAddress(Other, EntryKind.Gradle, "key")));
    }

    [Fact]
    public void Until_loaded_past_capacity_or_without_capacity_every_answer_is_maybe()
    {
        var digest = Sha256Digest.Of([1]);
        var loading = new PresenceFilter(10);
        Assert.True(loading.MayHoldBlob(Team, digest));

        var full = new PresenceFilter(10);
        for (var i = 0; i < 30; i++) full.AddBlob("team", Sha256Digest.Of(BitConverter.GetBytes(i)).Hex);
        full.MarkLoaded();
        Assert.True(full.IsSaturated);
        Assert.False(full.IsActive);
        Assert.True(full.MayHoldBlob(Team, digest));

        var off = new PresenceFilter(0);
        off.MarkLoaded();
        Assert.False(off.IsActive);
        Assert.True(off.MayHoldBlob(Team, digest));
    }

    [Fact]
    public void Adding_the_same_item_again_does_not_use_capacity()
    {
        var filter = new PresenceFilter(2);
        for (var i = 0; i < 10; i++) filter.AddEntry("team", nameof(EntryKind.Gradle), "same");
        filter.MarkLoaded();
        Assert.True(filter.IsActive);
    }
}
