using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>A counter's increase in one minute, as this replica counted it.</summary>
public sealed record RollupDelta(long Minute, string Metric, string Protocol, string Namespace, string Label, long Value);

/// <summary>A counter's increase over one bucket of a series, summed over replicas.</summary>
public sealed record RollupPoint(long Bucket, string Metric, string Protocol, string Namespace, string Label, long Value);

/// <summary>
/// Owns the counters' history (<c>metric_rollups</c>). Each replica adds its own per-minute deltas
/// under its own name, so replicas never write the same row; readers sum over replicas. Minutes older
/// than a day are folded into hourly rows (one per series, all replicas together), and everything
/// older than the retention is deleted.
/// </summary>
public sealed class RollupCatalog
{
    public const int MinuteStep = 1;
    public const int HourStep = 60;
    private const int RowsPerStatement = 100;

    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal RollupCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    /// <summary>Adds the deltas to this replica's minute rows, all or none (a minute flushed twice adds up).</summary>
    public async Task AddAsync(string replica, IReadOnlyCollection<RollupDelta> deltas, CancellationToken cancellationToken)
    {
        if (deltas.Count == 0) return;
        var batch = new SqlBatch();
        foreach (var chunk in deltas.Chunk(RowsPerStatement))
        {
            var rows = string.Join(", ", chunk.Select((_, i) => $"({MinuteStep}, {{{6 * i + 1}}}, {{0}}, {{{6 * i + 2}}}, {{{6 * i + 3}}}, {{{6 * i + 4}}}, {{{6 * i + 5}}}, {{{6 * i + 6}}})"));
            var arguments = new List<object> { replica };
            foreach (var d in chunk) arguments.AddRange([d.Minute, d.Metric, d.Protocol, d.Namespace, d.Label, d.Value]);
            batch.Add($$"""
                INSERT INTO metric_rollups (step, bucket, replica, metric, protocol, "namespace", label, value) VALUES {{rows}}
                ON CONFLICT (step, bucket, replica, metric, protocol, "namespace", label) DO UPDATE SET value = metric_rollups.value + excluded.value
                """, [.. arguments]);
        }
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
    }

    /// <summary>
    /// Every series from <paramref name="fromMinute"/> on (before <paramref name="toMinute"/>), in buckets of
    /// <paramref name="stepMinutes"/>, summed over replicas (and over the rows of both resolutions a bucket covers).
    /// </summary>
    public async Task<IReadOnlyList<RollupPoint>> SeriesAsync(long fromMinute, long toMinute, int stepMinutes, CancellationToken cancellationToken)
    {
        long step = Math.Max(stepMinutes, 1);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<MetricRollup>().AsNoTracking()
            .Where(r => r.Bucket >= fromMinute && r.Bucket < toMinute)
            .GroupBy(r => new { Bucket = r.Bucket / step * step, r.Metric, r.Protocol, r.Namespace, r.Label })
            .Select(g => new { g.Key.Bucket, g.Key.Metric, g.Key.Protocol, g.Key.Namespace, g.Key.Label, Value = g.Sum(r => r.Value) })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new RollupPoint(r.Bucket, r.Metric, r.Protocol, r.Namespace, r.Label, r.Value)).ToList();
    }

    /// <summary>
    /// Folds the minute rows before <paramref name="beforeMinute"/> into hourly rows, in one atomic command.
    /// The rows are claimed first (marked step 0), so a minute row a replica adds meanwhile is never deleted
    /// unfolded: it waits for the next run. Returns how many minute rows were folded.
    /// </summary>
    public async Task<int> DownsampleAsync(long beforeMinute, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch()
            .Add("UPDATE metric_rollups SET step = 0 WHERE step = {0} AND bucket < {1}", MinuteStep, beforeMinute)
            .Add($$"""
                INSERT INTO metric_rollups (step, bucket, replica, metric, protocol, "namespace", label, value)
                SELECT {{HourStep}}, (bucket / {{HourStep}}) * {{HourStep}}, '*', metric, protocol, "namespace", label, SUM(value) FROM metric_rollups
                WHERE step = 0 GROUP BY (bucket / {{HourStep}}) * {{HourStep}}, metric, protocol, "namespace", label
                ON CONFLICT (step, bucket, replica, metric, protocol, "namespace", label) DO UPDATE SET value = metric_rollups.value + excluded.value
                """)
            .Add("DELETE FROM metric_rollups WHERE step = 0");
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var before = await db.Set<MetricRollup>().CountAsync(r => r.Step == MinuteStep && r.Bucket < beforeMinute, cancellationToken);
        if (before == 0) return 0;
        await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
        return before;
    }

    /// <summary>Deletes every row before <paramref name="beforeMinute"/>; returns how many.</summary>
    public async Task<int> PruneAsync(long beforeMinute, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MetricRollup>().Where(r => r.Bucket < beforeMinute).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The replicas that wrote minute rows from <paramref name="fromMinute"/> on.</summary>
    public async Task<IReadOnlyList<string>> ReplicasAsync(long fromMinute, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MetricRollup>().Where(r => r.Step == MinuteStep && r.Bucket >= fromMinute).Select(r => r.Replica).Distinct().ToListAsync(cancellationToken);
    }

    /// <summary>How many rows there are at each step.</summary>
    public async Task<IReadOnlyDictionary<int, int>> RowCountsAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<MetricRollup>().GroupBy(r => r.Step).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }
}
