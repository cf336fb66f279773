using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>Stages, behind a server's back, states that crashes and time leave in its metadata.</summary>
internal static class IntegrityProbe
{
    /// <summary>Takes the blob from every namespace, leaving its row and object (a crash between storing and granting).</summary>
    public static async Task RemoveGrantsAsync(TestServer server, Sha256Digest digest)
    {
        await using var db = await Contexts(server).CreateDbContextAsync();
        await db.NamespaceBlobs.Where(g => g.Digest == digest.Hex).ExecuteDeleteAsync();
    }

    /// <summary>Makes every blob look last used at <paramref name="at"/> (after writing what the server counted so far).</summary>
    public static async Task SetLastAccessAsync(TestServer server, DateTimeOffset at)
    {
        await server.Services.GetRequiredService<AccessFlusher>().FlushAsync(default);
        await using var db = await Contexts(server).CreateDbContextAsync();
        await db.Blobs.ExecuteUpdateAsync(set => set.SetProperty(b => b.LastAccessAt, at));
    }

    /// <summary>Entries that name a blob their namespace does not hold (there must never be any that read as hits).</summary>
    public static async Task<int> IncompleteEntriesAsync(TestServer server)
    {
        await using var db = await Contexts(server).CreateDbContextAsync();
        return await db.CacheEntries.CountAsync(e => db.EntryReferences.Count(r => r.Namespace == e.Namespace && r.Kind == e.Kind && r.Key == e.Key) < e.ReferenceCount);
    }

    private static IDbContextFactory<CacheDbContext> Contexts(TestServer server) => server.Services.GetRequiredService<IDbContextFactory<CacheDbContext>>();
}
