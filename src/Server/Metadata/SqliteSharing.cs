using Microsoft.Data.Sqlite;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// Which servers use the same SQLite database file, so that the <see cref="PresenceFilter"/> is only
/// trusted by a server that is the file's only user: another server's writes would not reach it. Each
/// server leaves a marker named by its process id (and an id of its own) beside the database (<c>cacheregistry.db.servers/</c>)
/// and looks for the others' every <see cref="PollInterval"/>; once it sees a live one, its filter is off
/// for good. A server that joins while another runs waits two intervals before it serves anything, so
/// the other has turned its filter off before the first write it could miss. Markers of processes that
/// no longer run (kill -9) are ignored and removed.
/// </summary>
public sealed class SqliteSharing : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _directory;
    private readonly string _marker;
    private readonly PresenceFilter _filter;

    internal SqliteSharing(string connectionString, PresenceFilter filter)
    {
        var database = Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);
        _directory = database + ".servers";
        // The process id, and an id of this server's own (two servers may share a process, as in the tests).
        _marker = Path.Combine(_directory, $"{Environment.ProcessId}.{Guid.NewGuid():N}");
        _filter = filter;
    }

    /// <summary>Leaves this server's marker; when another server uses the file, turns the filter off and waits until that server has seen the marker.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(_marker, "", cancellationToken);
        if (!OthersRunning()) return;
        _filter.Disable();
        await Task.Delay(PollInterval * 2, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (!_filter.IsDisabled && await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (OthersRunning()) _filter.Disable();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        File.Delete(_marker);
    }

    private bool OthersRunning()
    {
        var others = false;
        foreach (var path in Directory.EnumerateFiles(_directory))
        {
            if (path == _marker || !int.TryParse(Path.GetFileName(path).Split('.')[0], out var pid)) continue;
            if (IsRunning(pid)) others = true;
            else File.Delete(path);
        }
        return others;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
