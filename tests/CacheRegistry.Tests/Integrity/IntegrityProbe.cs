using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Namespaces;
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

    /// <summary>Evicts the blob from the namespace as garbage collection does (no grace period).</summary>
    public static async Task EvictAsync(TestServer server, string ns, Sha256Digest digest) =>
        Assert.Equal(EvictionOutcome.Evicted,
            await server.Services.GetRequiredService<BlobRemover>().RemoveAsync(NamespaceName.Parse(ns), digest, "test", notAccessedSince: null, default));

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
        return await db.CacheEntries.CountAsync(e =>
            (e.ValueDigest != Sha256Digest.EmptyHex && !db.NamespaceBlobs.Any(g => g.Namespace == e.Namespace && g.Digest == e.ValueDigest))
            || db.EntryReferences.Count(r => r.Namespace == e.Namespace && r.Kind == e.Kind && r.Key == e.Key) < e.ReferenceCount);
    }

    /// <summary>References naming their entry's own value (which its grant holds instead, since the migration ValueWithoutReference).</summary>
    public static async Task<int> ValueReferencesAsync(TestServer server)
    {
        await using var db = await Contexts(server).CreateDbContextAsync();
        return await db.EntryReferences.CountAsync(r =>
            db.CacheEntries.Any(e => e.Namespace == r.Namespace && e.Kind == r.Kind && e.Key == r.Key && e.ValueDigest == r.Digest));
    }

    /// <summary>Drops the entry's reference to the blob, as the cascade of an eviction racing the entry's write does.</summary>
    public static async Task DropReferenceAsync(TestServer server, string key, Sha256Digest digest)
    {
        await using var db = await Contexts(server).CreateDbContextAsync();
        Assert.Equal(1, await db.EntryReferences.Where(r => r.Key == key && r.Digest == digest.Hex).ExecuteDeleteAsync());
    }

    /// <summary>
    /// Writes the entry again with the value <paramref name="value"/> (which its namespace must hold) naming
    /// <paramref name="outputs"/>, as a client's new write of it does (the row updated, its references
    /// replaced), in a transaction left open until <see cref="OpenWrite.CommitAsync"/>.
    /// </summary>
    public static async Task<OpenWrite> BeginRewriteAsync(TestServer server, string key, Sha256Digest value, params Sha256Digest[] outputs)
    {
        var references = outputs;
        var write = await OpenWrite.BeginAsync(server);
        var db = write.Database;
        await db.Database.ExecuteSqlRawAsync("""UPDATE cache_entries SET value_digest = {1}, reference_count = {2} WHERE "key" = {0}""",
            key, value.Hex, references.Length);
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM entry_references WHERE "key" = {0}""", key);
        foreach (var digest in references)
        {
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO entry_references ("namespace", kind, "key", digest) SELECT "namespace", kind, "key", {1} FROM cache_entries WHERE "key" = {0}
                """, key, digest.Hex);
        }
        return write;
    }

    /// <summary>Locks the entry with the given key in a transaction left open, as any writer of it does.</summary>
    public static async Task<OpenWrite> BeginTouchingAsync(TestServer server, string key)
    {
        var write = await OpenWrite.BeginAsync(server);
        await write.TouchAsync(key);
        return write;
    }

    public sealed class OpenWrite(TestServer server, CacheDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, int session)
        : IAsyncDisposable
    {
        /// <summary>A transaction of its own, and (on PostgreSQL) its session, to tell whom it blocks.</summary>
        public static async Task<OpenWrite> BeginAsync(TestServer server)
        {
            var db = await Contexts(server).CreateDbContextAsync();
            var transaction = await db.Database.BeginTransactionAsync();
            var session = db.Database.IsNpgsql() ? await db.Database.SqlQueryRaw<int>("""SELECT pg_backend_pid() AS "Value" """).SingleAsync() : 0;
            return new OpenWrite(server, db, transaction, session);
        }

        public CacheDbContext Database => db;

        /// <summary>Locks one more entry (an update that changes nothing), waiting for whoever holds it.</summary>
        public async Task TouchAsync(string key) =>
            Assert.Equal(1, await db.Database.ExecuteSqlRawAsync("""UPDATE cache_entries SET hit_count = hit_count WHERE "key" = {0}""", key));

        /// <summary>Whether another PostgreSQL session waits for a lock this write holds.</summary>
        public async Task<bool> BlocksSomeoneAsync()
        {
            await using var other = await Contexts(server).CreateDbContextAsync();
            return await other.Database.SqlQueryRaw<int>("""
                SELECT count(*)::int AS "Value" FROM pg_stat_activity WHERE {0} = ANY(pg_blocking_pids(pid))
                """, session).SingleAsync() > 0;
        }

        /// <summary>Returns once <paramref name="waiter"/> waits for a lock this write holds (on SQLite, the one writer's: after half a second).</summary>
        public async Task WaitUntilItBlocksAsync(Task waiter)
        {
            if (BackendMatrix.Current == BackendMatrix.PostgresS3)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!await BlocksSomeoneAsync())
                {
                    Assert.True(DateTime.UtcNow < deadline, "nothing waited for the open write");
                    await Task.Delay(20);
                }
            }
            else await Task.Delay(500);
            Assert.False(waiter.IsCompleted);
        }

        public Task CommitAsync() => transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await db.DisposeAsync();
        }
    }

    private static IDbContextFactory<CacheDbContext> Contexts(TestServer server) => server.Services.GetRequiredService<IDbContextFactory<CacheDbContext>>();
}
