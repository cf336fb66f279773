using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>A database written by the first release upgrades in place: its blobs, entries and artifacts keep working.</summary>
[Collection(BackendCollection.Name)]
public sealed class MigrationTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const string FirstRelease = "InitialCreate";

    [BackendFact]
    public async Task Data_written_before_the_integrity_constraints_is_carried_over()
    {
        var held = TestData.Random(30_000, seed: 1);
        var heldDigest = TestData.Digest(held).Hex;
        var absent = TestData.Digest([7, 7, 7]).Hex;
        var actionKey = TestData.Digest("ok"u8.ToArray()).Hex;
        var danglingKey = TestData.Digest("dangling"u8.ToArray()).Hex;

        // The first release's schema and rows, as it wrote them (its object key had no write id, and
        // its storage no marker).
        await Server.DisposeAsync();
        await using (var scratch = await TestServer.StartAsync(Settings))
        {
            await using var db = await scratch.Services.GetRequiredService<IDbContextFactory<CacheDbContext>>().CreateDbContextAsync();
            await db.Database.ExecuteSqlRawAsync(DropEverything(db));
            await db.GetService<IMigrator>().MigrateAsync(db.Database.GetMigrations().First(m => m.EndsWith(FirstRelease, StringComparison.Ordinal)));
            var at = db.Database.IsSqlite() ? (object)0L : DateTimeOffset.UtcNow;
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO blobs (digest, size, stored_size, encoding, created_at, last_access_at, hit_count) VALUES ({0}, 30000, 30000, 'Identity', {1}, {1}, 0);
                INSERT INTO namespace_blobs ("namespace", digest, created_at) VALUES ('default', {0}, {1});
                INSERT INTO cache_entries ("namespace", kind, "key", value_digest, created_at, updated_at, last_access_at, hit_count) VALUES ('default', 'Action', {2}, {0}, {1}, {1}, {1}, 0);
                INSERT INTO cache_entries ("namespace", kind, "key", value_digest, created_at, updated_at, last_access_at, hit_count) VALUES ('default', 'Action', {3}, {0}, {1}, {1}, {1}, 0);
                INSERT INTO entry_references ("namespace", kind, "key", digest) VALUES ('default', 'Action', {3}, {4});
                INSERT INTO cache_entries ("namespace", kind, "key", value_digest, created_at, updated_at, last_access_at, hit_count) VALUES ('default', 'Turborepo', 'feed0000cafe0000', {0}, {1}, {1}, {1}, 0);
                INSERT INTO artifact_versions ("namespace", name, version, full_version, is_prerelease, manifest_digest, manifest, signatures, yanked, created_at, publisher, total_size)
                    VALUES ('default', 'tool', '1.0.0', '1.0.0', false, {5}, {6}, '[]', false, {1}, 'ci', 30000);
                """, heldDigest, at, actionKey, danglingKey, absent, new string('a', 64),
                "{\"name\":\"tool\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"tool.bin\",\"digest\":\"" + heldDigest + "\",\"size\":30000,\"executable\":true}],\"metadata\":{}}");
        }
        await Backend.DeleteObjectAsync("meta/storage-id");
        await Backend.PutObjectAsync($"cas/{heldDigest[..2]}/{heldDigest}", held);

        // The current release migrates at start.
        Server = await TestServer.StartAsync(Settings);
        Assert.Equal(held, await Http.GetByteArrayAsync($"cas/{heldDigest}"));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"ac/{actionKey}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"ac/{danglingKey}")).StatusCode); // it named a blob nobody had
        // Its value's size is the entry's own now, taken from the blob row.
        var query = await Http.PostAsJsonAsync("v8/artifacts?slug=default", new { hashes = new[] { "feed0000cafe0000" } });
        Assert.Equal(30_000, (await query.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("feed0000cafe0000").GetProperty("size").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("api/v1/artifacts/tool/resolve?spec=1.0.0")).StatusCode);
        // The artifact's file is pinned: deleting it by hand is refused while the version exists.
        Assert.Equal(HttpStatusCode.Conflict, (await Http.DeleteAsync($"api/v1/cas/{heldDigest}")).StatusCode);
        Assert.Equal(0, await IntegrityProbe.IncompleteEntriesAsync(Server));
        Assert.Equal(0, await IntegrityProbe.ValueReferencesAsync(Server));
    }

    // Everything the migrations create, so the first release's schema can be built from scratch.
    private static string DropEverything(DbContext db) => db.Database.IsSqlite()
        ? string.Join(" ", new[] { "artifact_files", "entry_references", "cache_entries", "namespace_blobs", "blobs", "issued_tokens", "audit_events", "artifact_tags",
            "artifact_versions", "upload_parts", "upload_sessions", "leases", "metadata_changes", "storage_binding", "metric_rollups", "gc_passes",
            "recent_misses", "protection_keys", "__EFMigrationsHistory", "__EFMigrationsLock" }
            .Select(t => $"DROP TABLE IF EXISTS \"{t}\";"))
        : "DROP SCHEMA public CASCADE; CREATE SCHEMA public;";
}
