using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// A grant or an entry is in the presence filter before its write reaches the database. Were it added
/// after the commit, a reader that saw the committed row (a second upload finding the blob, an entry
/// naming it) could ask for the blob in between and be told "certainly not held": a hit naming a miss.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class PresenceFilterOrderingTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [Fact]
    public async Task A_grant_and_an_entry_are_maybe_held_before_their_write_is_sent()
    {
        var filter = await Server.ActivePresenceFilterAsync();
        var digest = TestData.Digest(TestData.Random(100, seed: 1));
        var address = new EntryAddress(NamespaceName.Default, EntryKind.Turborepo, "written-in-a-moment");
        Assert.False(filter.MayHoldBlob(NamespaceName.Default, digest));
        Assert.False(filter.MayHoldEntry(address));

        // The write is built, not sent: what a reader may see in the moment the commit takes.
        var write = Server.Services.GetRequiredService<MetadataWriter>().Begin();
        Server.Services.GetRequiredService<BlobCatalog>().Grant(write, NamespaceName.Default, digest, DateTimeOffset.UtcNow);
        Server.Services.GetRequiredService<EntryCatalog>().Put(write, address, digest, valueSize: 1, metadata: null, references: [], mode: EntryWriteMode.Overwrite,
            replaces: false, DateTimeOffset.UtcNow);

        Assert.True(filter.MayHoldBlob(NamespaceName.Default, digest));
        Assert.True(filter.MayHoldEntry(address));
    }
}
