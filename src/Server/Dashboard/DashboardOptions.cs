using System.ComponentModel;
using CacheRegistry.Server.Configuration;

namespace CacheRegistry.Server.Dashboard;

/// <summary>"CacheRegistry:Dashboard": the web dashboard at <c>/</c> and the history it draws from.</summary>
public sealed class DashboardOptions : IValidatedOptions
{
    public const string Section = Configuration.CacheRegistryOptions.Section + ":Dashboard";

    public HistoryOptions History { get; set; } = new();

    public void Check(SettingsCheck check)
    {
        check.Nested(nameof(History), History);
    }
}

/// <summary>How the counters' history is kept in the metadata database.</summary>
public sealed class HistoryOptions : IValidatedOptions
{
    [Description("How often each replica writes its counters' per-minute increases (and its recent misses).")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Description("Per-minute rows older than this are folded into hourly rows.")]
    public TimeSpan DownsampleAfter { get; set; } = TimeSpan.FromDays(1);

    [Description("History (rollups and garbage collection passes) older than this is deleted.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    [Description("How often one replica (holding a lease) downsamples and prunes.")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(10);

    [Description("Most distinct series a replica counts between two writes; past it, new namespaces are counted together as \"(other)\". Bounds memory and the rows written per minute.")]
    public int MaxSeries { get; set; } = 5000;

    [Description("Recent misses kept in the database (newest first), over all namespaces; older ones also go after a day.")]
    public int MaxRecentMisses { get; set; } = 10_000;

    public void Check(SettingsCheck check)
    {
        check.Positive(nameof(FlushInterval), FlushInterval);
        check.Positive(nameof(DownsampleAfter), DownsampleAfter);
        check.Positive(nameof(Retention), Retention);
        check.Positive(nameof(MaintenanceInterval), MaintenanceInterval);
        check.Range(nameof(MaxSeries), MaxSeries, 1, 1_000_000);
        check.Range(nameof(MaxRecentMisses), MaxRecentMisses, 0, 10_000_000);
    }
}
