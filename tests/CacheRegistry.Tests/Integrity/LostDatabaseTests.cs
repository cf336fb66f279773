using System.Net;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CacheRegistry.Tests.Integrity;

/// <summary>The embedded database's file removed under a running server: the server says so and makes no new one.</summary>
public sealed class LostDatabaseTests
{
    [Fact]
    public async Task Readiness_reports_a_deleted_database_file_instead_of_creating_an_empty_one()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = await TestServer.StartAsync(backend.Settings);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);

        var database = backend.DatabaseFile;
        File.Delete(database);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
        Assert.False(File.Exists(database), "the readiness probe created an empty database");
    }

    // EF Core's connections opened the file with "create" (SQLite's default), so the first query on a new connection
    // after the loss (the start's query warm-up, a catalog) made an empty database, and readiness said OK again.
    [Fact]
    public async Task A_query_after_the_file_is_gone_fails_instead_of_creating_an_empty_database()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = await TestServer.StartAsync(backend.Settings);
        var database = backend.DatabaseFile;
        File.Delete(database);
        SqliteConnection.ClearAllPools(); // the next query opens the file anew

        await using (var db = await server.Services.GetRequiredService<IDbContextFactory<CacheDbContext>>().CreateDbContextAsync())
        {
            await Assert.ThrowsAsync<SqliteException>(() => db.Blobs.CountAsync());
        }
        Assert.False(File.Exists(database), "a query created an empty database");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
    }
}
