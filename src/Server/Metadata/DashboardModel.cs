using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

// The dashboard's rows: its history of counters and garbage collection passes, recent misses, and the
// keys that protect its sign-in cookies. Only the catalogs in this folder read or write them.

/// <summary>
/// A counter's increase over one bucket, as one replica counted it (per-minute rows), or summed over
/// every replica (hourly rows, made by downsampling). The dashboard sums rows across replicas.
/// </summary>
internal sealed class MetricRollup
{
    /// <summary>The bucket's length in minutes: 1 (written by replicas) or 60 (downsampled).</summary>
    public int Step { get; set; }

    /// <summary>Start of the bucket, in minutes since the Unix epoch (plain integers sort and divide the same everywhere).</summary>
    public long Bucket { get; set; }

    public required string Replica { get; set; }

    public required string Metric { get; set; }

    public required string Protocol { get; set; }

    /// <summary>The namespace, or empty for counters that have none (requests, bytes, errors).</summary>
    public required string Namespace { get; set; }

    /// <summary>A further label: a status code or class, an eviction reason; empty when none.</summary>
    public required string Label { get; set; }

    public long Value { get; set; }
}

/// <summary>One garbage collection pass that ran: when, on which replica, and what it removed.</summary>
internal sealed class GcPassRow
{
    public long Id { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }

    public required string Replica { get; set; }

    public long EvictedBlobs { get; set; }

    public long EvictedEntries { get; set; }

    public long FreedBytes { get; set; }

    public long DeletedObjects { get; set; }

    public long OrphanObjects { get; set; }

    public long RepairedBlobs { get; set; }

    public long RemovedIncompleteEntries { get; set; }

    public long ExpiredUploads { get; set; }

    /// <summary>JSON array of what was evicted per namespace and reason.</summary>
    public required string Evictions { get; set; }
}

/// <summary>A lookup that missed: what a team debugging a cold cache looks at first.</summary>
internal sealed class RecentMissRow
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Namespace { get; set; }

    public required string Protocol { get; set; }

    public required string Key { get; set; }
}

/// <summary>A Data Protection key (its XML, encrypted), shared by every replica so a cookie set by one is read by all.</summary>
internal sealed class ProtectionKeyRow
{
    public required string Name { get; set; }

    public required string Xml { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal static class DashboardModel
{
    public static void Configure(ModelBuilder model)
    {
        model.Entity<MetricRollup>(rollup =>
        {
            rollup.ToTable("metric_rollups");
            rollup.HasKey(r => new { r.Step, r.Bucket, r.Replica, r.Metric, r.Protocol, r.Namespace, r.Label });
            rollup.Property(r => r.Replica).HasMaxLength(64);
            rollup.Property(r => r.Metric).HasMaxLength(32);
            rollup.Property(r => r.Protocol).HasMaxLength(32);
            rollup.Property(r => r.Namespace).HasMaxLength(64);
            rollup.Property(r => r.Label).HasMaxLength(32);
            rollup.HasIndex(r => r.Bucket);
        });
        model.Entity<GcPassRow>(pass =>
        {
            pass.ToTable("gc_passes");
            pass.HasKey(p => p.Id);
            pass.Property(p => p.Replica).HasMaxLength(64);
            pass.HasIndex(p => p.StartedAt);
        });
        model.Entity<RecentMissRow>(miss =>
        {
            miss.ToTable("recent_misses");
            miss.HasKey(m => m.Id);
            miss.Property(m => m.Namespace).HasMaxLength(64);
            miss.Property(m => m.Protocol).HasMaxLength(32);
            miss.Property(m => m.Key).HasMaxLength(255);
            miss.HasIndex(m => new { m.Namespace, m.At });
        });
        model.Entity<ProtectionKeyRow>(key =>
        {
            key.ToTable("protection_keys");
            key.HasKey(k => k.Name);
            key.Property(k => k.Name).HasMaxLength(128);
        });
    }
}
