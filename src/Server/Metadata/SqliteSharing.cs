using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Which servers use the same SQLite database file, so that the <see cref="PresenceFilter"/> is only
/// trusted by a server that is the file's only user: another server's writes would not reach it. Each
/// server holds a marker file beside the database (<c>cacheregistry.db.servers/</c>) open with an
/// exclusive advisory lock, which dies with its process, and looks for the others' every
/// <see cref="PollInterval"/>: a marker it cannot lock belongs to a running server, and once it sees
/// one its filter is off for good. A server that joins while another runs waits two intervals before
/// it serves anything, so the other has turned its filter off before the first write it could miss.
/// Markers left by a crash (lockable, and older than a few seconds) are removed.
/// </summary>
public sealed class SqliteSharing : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _directory;
    private readonly string _markerPath;
    private readonly PresenceFilter _filter;
    private readonly ILogger<SqliteSharing> _logger;
    private FileStream? _marker;

    internal SqliteSharing(string connectionString, PresenceFilter filter, ILogger<SqliteSharing> logger)
    {
        var database = Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);
        _directory = database + ".servers";
        _markerPath = Path.Combine(_directory, $"{Guid.NewGuid():N}.server");
        _filter = filter;
        _logger = logger;
    }

    /// <summary>Holds this server's marker; when another server uses the file, turns the filter off and waits until that server has seen the marker.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        // FileShare.None takes an exclusive advisory lock (flock) that dies with the process.
        _marker = new FileStream(_markerPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        if (!OthersRunning()) return;
        _filter.Disable();
        await Task.Delay(PollInterval * 2, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        // Only a server whose filter can still answer needs to look (its markers' liveness matters to the others through their own looks).
        while (_filter.Capacity > 0 && !_filter.IsDisabled && await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (OthersRunning()) _filter.Disable();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("Cannot tell which servers share the database ({Error}); the presence filter is off", e.Message);
                _filter.Disable();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_marker is null) return;
        await _marker.DisposeAsync();
        try
        {
            File.Delete(_markerPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The data directory went away under the server: nothing is left to tidy.
            _logger.LogWarning("Could not remove this server's marker {Path} ({Error})", _markerPath, e.Message);
        }
    }

    private bool OthersRunning()
    {
        var others = false;
        foreach (var path in Directory.EnumerateFiles(_directory, "*.server"))
        {
            if (path == _markerPath) continue;
            // A marker that is not locked is a crashed server's, unless it is new: a joining server creates it, then locks it.
            if (IsHeld(path) || File.GetLastWriteTimeUtc(path) > DateTime.UtcNow - TimeSpan.FromSeconds(10)) others = true;
            else File.Delete(path);
        }
        return others;
    }

    private static bool IsHeld(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
