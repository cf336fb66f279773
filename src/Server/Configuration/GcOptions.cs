using System.ComponentModel;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Gc": bounded storage and garbage collection.</summary>
public sealed class GcOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Gc";

    [Description("How often a pass runs (on the one replica that holds the lease).")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    [Description("Total stored size allowed across namespaces; 0: no global bound.")]
    public ByteSize GlobalMaxBytes { get; set; }

    [Description("Over a bound, evict until usage is at this fraction of it (more than 0, at most 1).")]
    public double LowWaterRatio { get; set; } = 0.8;

    [Description("Per-namespace bounds: Namespaces:<name>:MaxBytes and Namespaces:<name>:MaxAge.")]
    public Dictionary<string, NamespaceQuota> Namespaces { get; set; } = [];

    [Description("Objects no metadata names are left alone this long (they may belong to an upload in progress).")]
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(1);

    [Description("Content used within this time is never evicted: a blob a client was just told is present stays, so its next write naming it succeeds.")]
    public TimeSpan PresenceGracePeriod { get; set; } = TimeSpan.FromMinutes(10);

    [Description("How long the log of deletes and overwrites that replicas poll is kept.")]
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromHours(1);

    [Description("How long a pass's lease lasts between renewals; bounds how long a replica that died mid-pass blocks the others.")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    [Description("Rows or objects a pass handles per step (passes are incremental: serving never stalls).")]
    public int BatchSize { get; set; } = 500;

    public void Check(SettingsCheck check)
    {
        check.Positive(nameof(Interval), Interval);
        check.AtLeast(nameof(GlobalMaxBytes), GlobalMaxBytes, new ByteSize(0));
        check.Range(nameof(LowWaterRatio), LowWaterRatio, 0, 1, minExclusive: true);
        check.NotNegative(nameof(OrphanGracePeriod), OrphanGracePeriod);
        check.NotNegative(nameof(PresenceGracePeriod), PresenceGracePeriod);
        check.Positive(nameof(ChangeLogRetention), ChangeLogRetention);
        check.Positive(nameof(LeaseDuration), LeaseDuration);
        check.Range(nameof(BatchSize), BatchSize, 1, 100_000);
        foreach (var (name, quota) in Namespaces)
        {
            if (!NamespaceName.TryParse(name, out _)) check.Fail($"Namespaces:{name}", $"names no valid namespace ({NamespaceName.Rules})");
            else check.Nested($"Namespaces:{name}", quota);
        }
    }
}

/// <summary>"CacheRegistry:Gc:Namespaces:&lt;name&gt;".</summary>
public sealed class NamespaceQuota : IValidatedOptions
{
    [Description("The namespace's stored size bound; 0: none.")]
    public ByteSize MaxBytes { get; set; }

    [Description("Entries and blobs unused for longer than this are evicted.")]
    public TimeSpan? MaxAge { get; set; }

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(MaxBytes), MaxBytes, new ByteSize(0));
        if (MaxAge is { } age) check.Positive(nameof(MaxAge), age);
    }
}
