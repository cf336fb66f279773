using System.Net;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// Two writers that lock the same entries in opposite orders: PostgreSQL ends one of them (a deadlock),
/// and the one ended runs again; nothing is lost and neither fails.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class LockOrderTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    [BackendFact]
    public async Task Hits_are_written_while_another_writer_locks_the_same_entries_in_the_other_order()
    {
        const string first = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", second = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"; // the access flush's order
        foreach (var key in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"cache/{key}", new ByteArrayContent([1, 2, 3]))).StatusCode);
        }

        // The other writer holds the second entry; the flush locks the first, then waits for the second.
        await using var other = await IntegrityProbe.BeginTouchingAsync(Server, second);
        var now = DateTimeOffset.UtcNow;
        var entries = Server.Services.GetRequiredService<EntryCatalog>();
        // On a thread of its own, as the flush service runs: SQLite's wait for its writer blocks the caller.
        var flush = Task.Run(() => entries.RecordAccessAsync([(Address(first), 3, now), (Address(second), 3, now)], CancellationToken.None));
        await other.WaitUntilItBlocksAsync(flush);

        // The other writer now wants the first: a cycle. PostgreSQL ends the flush, which waited first
        // (its deadlock_timeout, 1 s, runs out first); the other writer goes on and commits.
        await other.TouchAsync(first);
        await other.CommitAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));

        await using var db = await Server.Services.GetRequiredService<IDbContextFactory<CacheDbContext>>().CreateDbContextAsync();
        var hits = await db.CacheEntries.Where(e => e.Key == first || e.Key == second).Select(e => e.HitCount).ToListAsync();
        Assert.Equal([3L, 3L], hits); // once each: the ended attempt left nothing behind
    }

    private static EntryAddress Address(string key) => new(NamespaceName.Default, EntryKind.Gradle, key);
}
