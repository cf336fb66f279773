using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Background;

/// <summary>
/// On the embedded SQLite database, checkpoints its write-ahead log every 100 ms beside the writers
/// (<see cref="SqliteCheckpointer"/>), so that commits rarely checkpoint themselves (every connection
/// does so only past 16,000 log pages: <see cref="SqliteConnectionSettings"/>). When nothing was
/// written since the last run, SQLite returns at once.
/// </summary>
internal sealed class WalCheckpointService(ILogger<WalCheckpointService> logger, SqliteCheckpointer? checkpointer = null) : PeriodicService(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    protected override bool RunsAtStart => false;

    protected override bool IsEnabled => checkpointer is not null;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => checkpointer!.CheckpointAsync();
}
