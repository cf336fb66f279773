using System.Net;
using CacheRegistry.Tests.Infrastructure;

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

        var database = Path.Combine(backend.DataDirectory, "cacheregistry.db");
        File.Delete(database);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
        Assert.False(File.Exists(database), "the readiness probe created an empty database");
    }
}
