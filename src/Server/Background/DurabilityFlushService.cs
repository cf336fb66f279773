using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Storage.FileSystem;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Background;

/// <summary>
/// Forces what the server wrote to local disks (the SQLite database, filesystem blobs) to disk every
/// <see cref="CacheRegistryOptions.FlushInterval"/>, once for all writes of that interval, instead of
/// once per upload. An acknowledged write survives a crash of the server process at once (it is in the
/// operating system's page cache); a power loss can take the writes of the last interval, never a part
/// of one: SQLite's write-ahead log rolls back to a whole commit, and a blob whose file was cut short
/// reads as missing (<see cref="Core.Cas.BlobReader"/> checks sizes) and is forgotten.
/// </summary>
public sealed class DurabilityFlushService : PeriodicService
{
    private readonly IReadOnlyList<string> _directories;
    private readonly TimeSpan _interval;

    public DurabilityFlushService(IOptions<CacheRegistryOptions> registry, IOptions<DatabaseOptions> database, IOptions<StorageOptions> storage,
        ILogger<DurabilityFlushService> logger) : base(logger)
    {
        _interval = registry.Value.FlushInterval;
        var directories = new List<string>();
        if (database.Value.Provider == DatabaseProvider.Sqlite) directories.Add(SqliteDirectory(database.Value, registry.Value));
        if (storage.Value.Provider == StorageProvider.FileSystem) directories.Add(FileSystemBlobStore.RootOf(storage.Value, registry.Value));
        _directories = directories;
    }

    protected override TimeSpan Interval => _interval;

    protected override bool RunsAtStart => false;

    protected override bool IsEnabled => _interval > TimeSpan.Zero && _directories.Count > 0 && FileSystemSync.IsSupported;

    protected override Task RunOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var directory in _directories) FileSystemSync.Sync(directory);
        return Task.CompletedTask;
    }

    protected override Task OnStoppingAsync() => IsEnabled ? RunOnceAsync(CancellationToken.None) : Task.CompletedTask;

    private static string SqliteDirectory(DatabaseOptions database, CacheRegistryOptions registry)
    {
        if (string.IsNullOrEmpty(database.ConnectionString)) return registry.DataDirectoryFullPath;
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        return Path.GetDirectoryName(Path.GetFullPath(file)) ?? registry.DataDirectoryFullPath;
    }
}
