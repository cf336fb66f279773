namespace CacheRegistry.Server.Dashboard;

/// <summary>"CacheRegistry:Dashboard": the web dashboard at <c>/</c> and the history it draws from.</summary>
public sealed class DashboardOptions
{
    public const string Section = Configuration.CacheRegistryOptions.Section + ":Dashboard";

    public HistoryOptions History { get; set; } = new();
}

/// <summary>How the counters' history is kept in the metadata database.</summary>
public sealed class HistoryOptions
{
    /// <summary>How often each replica writes its counters' per-minute increases (and its recent misses).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per-minute rows older than this are folded into hourly rows.</summary>
    public TimeSpan DownsampleAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>History (rollups and garbage collection passes) older than this is deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often one replica (holding a lease) downsamples and prunes.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most distinct series a replica counts between two writes; past it, new namespaces are counted
    /// together as "(other)". Bounds memory and the rows written per minute.
    /// </summary>
    public int MaxSeries { get; set; } = 5000;

    /// <summary>Recent misses kept in the database (newest first), over all namespaces; older ones also go after a day.</summary>
    public int MaxRecentMisses { get; set; } = 10_000;
}
