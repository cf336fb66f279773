using CacheRegistry.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace CacheRegistry.Tests.Integrity;

/// <summary>EF Core keeps SQLite's migration lock as a row: a server killed while migrating leaves it behind.</summary>
public sealed class MigrationLockTests
{
    [Fact]
    public async Task A_migration_lock_left_by_a_killed_first_start_is_cleared_by_the_next_start()
    {
        await using var backend = new SqliteFileSystemBackend();
        // What a first start killed inside EF Core's migration leaves: the lock taken, nothing applied yet.
        await using (var connection = new SqliteConnection($"Data Source={backend.DatabaseFile};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
                INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-11-29 12:00:00+00:00');
                """;
            await command.ExecuteNonQueryAsync();
        }

        // Without clearing it, EF Core would wait for the lock forever.
        await using var server = ServerProcess.Start(backend.Settings);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("Cleared a migration lock left by a server that stopped while migrating", server.Output);
        Assert.Contains("Applying migrations", server.Output);
    }
}
