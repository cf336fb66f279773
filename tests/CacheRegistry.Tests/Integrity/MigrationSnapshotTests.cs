using System.Net;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// A migration of the embedded database is all or nothing (Metadata/SqliteMigrationSnapshot): EF Core's
/// SQLite migrations commit part of a migration before a table rebuild, and a server killed in between
/// left a database that no start could migrate again.
/// </summary>
public sealed class MigrationSnapshotTests
{
    private const string LastMigration = "20261129101617_DropEntryValueIndex";

    [Fact]
    public async Task A_start_after_a_migration_cut_short_puts_the_saved_copy_back_and_serves()
    {
        await using var backend = new SqliteFileSystemBackend();
        var blob = TestData.Random(2_000, seed: 3);
        var digest = TestData.Digest(blob);
        await using (var first = ServerProcess.Start(backend.Settings))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            (await http.PutAsync($"t/cas/{digest}", new ByteArrayContent(blob))).EnsureSuccessStatusCode();
        }
        var database = backend.DatabaseFile;

        // What a kill in the middle of the last migration leaves: the copy saved before it, and the migration's
        // change committed but not recorded (so the next start would run it again, and fail on it).
        await SnapshotOf(database).SaveAsync(CancellationToken.None);
        await ExecuteAsync(database, $"""DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = '{LastMigration}'; ALTER TABLE blobs ADD COLUMN half_migrated INTEGER NULL;""");
        // Control: without the copy the start fails (the migration runs again on the half-migrated database).
        var copy = await File.ReadAllBytesAsync($"{database}.before-migration");
        File.Delete($"{database}.before-migration");
        await using (var broken = ServerProcess.Start(backend.Settings))
        {
            Assert.NotEqual(0, await broken.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        await File.WriteAllBytesAsync($"{database}.before-migration", copy);

        await using var restarted = ServerProcess.Start(backend.Settings);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("A migration of the database was interrupted", restarted.Output);
        using var client = new HttpClient { BaseAddress = restarted.BaseAddress };
        Assert.Equal(blob, await client.GetByteArrayAsync($"t/cas/{digest}"));
        Assert.False(File.Exists($"{database}.before-migration"), "the copy is gone once the database is current");
        Assert.DoesNotContain("half_migrated", await ColumnsAsync(database, "blobs"));
    }

    [Fact]
    public async Task A_copy_cut_short_is_dropped_and_the_database_kept()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using (var first = ServerProcess.Start(backend.Settings))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }
        var database = backend.DatabaseFile;
        await File.WriteAllBytesAsync($"{database}.before-migration.partial", [1, 2, 3]);
        await ExecuteAsync(database, "CREATE TABLE kept_by_the_start (id INTEGER)");

        await using var restarted = ServerProcess.Start(backend.Settings);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.False(File.Exists($"{database}.before-migration.partial"));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'kept_by_the_start'"));
    }

    [Fact]
    public async Task A_first_start_migrates_and_leaves_no_copy_behind()
    {
        await using var backend = new SqliteFileSystemBackend();
        await using var server = ServerProcess.Start(backend.Settings);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(Directory.GetFiles(backend.DataDirectory, "cacheregistry.db.before-migration*"));
    }

    private static SqliteMigrationSnapshot SnapshotOf(string database) =>
        new(database, new PlainSql(() => new SqliteConnection($"Data Source={database};Pooling=False"), _ => { }), NullLogger.Instance);

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var command = await CommandAsync(database, sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var command = await CommandAsync(database, sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> ColumnsAsync(string database, string table)
    {
        await using var command = await CommandAsync(database, $"SELECT name FROM pragma_table_info('{table}')");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new List<string>();
        while (await reader.ReadAsync()) columns.Add(reader.GetString(0));
        return columns;
    }

    // Unpooled: the connection closes with the command's disposal, before a server opens the file.
    private static async Task<SqliteCommand> CommandAsync(string database, string sql)
    {
        var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Disposed += (_, _) => connection.Dispose();
        return command;
    }
}
