using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.History;

/// <summary>A span of history to show, in buckets of <see cref="StepMinutes"/>, ending with the bucket that holds now.</summary>
public sealed record HistoryRange(string Name, TimeSpan Span, int StepMinutes)
{
    public static readonly HistoryRange Hour = new("1h", TimeSpan.FromHours(1), 1);
    public static readonly HistoryRange Day = new("24h", TimeSpan.FromDays(1), 15);
    public static readonly HistoryRange Week = new("7d", TimeSpan.FromDays(7), 60);
    public static readonly HistoryRange Month = new("30d", TimeSpan.FromDays(30), 360);

    public static readonly IReadOnlyList<HistoryRange> All = [Hour, Day, Week, Month];

    public static HistoryRange Parse(string? name) => All.FirstOrDefault(r => r.Name == name) ?? Hour;

    public int Buckets => (int)(Span.TotalMinutes / StepMinutes);
}

/// <summary>Counter increases per bucket over a range, summed over replicas, with the first bucket's start.</summary>
public sealed record HistorySeries(HistoryRange Range, long FirstBucket, IReadOnlyList<RollupPoint> Points)
{
    public DateTimeOffset TimeOf(long bucket) => DateTimeOffset.FromUnixTimeSeconds(bucket * 60);

    public int IndexOf(long bucket) => (int)((bucket - FirstBucket) / Range.StepMinutes);
}

/// <summary>
/// The counters' history: what every replica wrote to the database plus what this replica has counted
/// and not written yet (so a page shows what was just done). Writing and reading take turns, so a
/// read never counts an increase twice or misses one being written. Also writes the recent misses, and
/// keeps the history bounded: downsampled after a day, deleted after the retention.
/// </summary>
public sealed class CounterHistory(
    CounterRecorder recorder,
    RecentMisses misses,
    RollupCatalog rollups,
    RecentMissCatalog missCatalog,
    GcPassCatalog gcPasses,
    LeaseCatalog leases,
    ReplicaName replica,
    IOptions<DashboardOptions> options,
    TimeProvider clock)
{
    private const string MaintenanceLease = "dashboard-history";
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Writes this replica's counted increases and recent misses.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var deltas = recorder.Take();
            try
            {
                await rollups.AddAsync(replica.Value, deltas, cancellationToken);
            }
            catch
            {
                recorder.Restore(deltas);
                throw;
            }
            // Recent misses are a debugging aid: lost ones (the database was down) are not put back.
            await missCatalog.AddAsync(misses.Take(), cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task<HistorySeries> ReadAsync(HistoryRange range, CancellationToken cancellationToken)
    {
        var step = range.StepMinutes;
        var end = (CounterRecorder.MinuteOf(clock.GetUtcNow()) / step + 1) * step;
        var first = end - range.Buckets * step;
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var stored = await rollups.SeriesAsync(first, end, step, cancellationToken);
            var pending = recorder.Peek().Where(d => d.Minute >= first && d.Minute < end)
                .Select(d => new RollupPoint(d.Minute / step * step, d.Metric, d.Protocol, d.Namespace, d.Label, d.Value));
            var points = stored.Concat(pending)
                .GroupBy(p => (p.Bucket, p.Metric, p.Protocol, p.Namespace, p.Label))
                .Select(g => g.First() with { Value = g.Sum(p => p.Value) })
                .ToList();
            return new HistorySeries(range, first, points);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>The namespace's latest misses on every replica (written) and on this one (not yet written), newest first.</summary>
    public async Task<IReadOnlyList<RecentMiss>> RecentMissesAsync(string ns, int limit, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var stored = await missCatalog.RecentAsync(ns, limit, cancellationToken);
            return misses.Peek().Where(m => m.Namespace == ns).Concat(stored).OrderByDescending(m => m.At).Take(limit).ToList();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Folds minutes older than a day into hours and deletes what is older than the retention, on one
    /// replica at a time (a lease). <paramref name="now"/> is the time to measure ages from.
    /// </summary>
    /// <returns>False when another replica is doing it.</returns>
    public async Task<bool> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var history = options.Value.History;
        if (!await leases.TryTakeAsync(MaintenanceLease, replica.Value, now, now + TimeSpan.FromMinutes(5), cancellationToken)) return false;
        try
        {
            var downsampleBefore = CounterRecorder.MinuteOf(now - history.DownsampleAfter) / RollupCatalog.HourStep * RollupCatalog.HourStep;
            await rollups.DownsampleAsync(downsampleBefore, cancellationToken);
            await rollups.PruneAsync(CounterRecorder.MinuteOf(now - history.Retention), cancellationToken);
            await gcPasses.PruneAsync(now - history.Retention, cancellationToken);
            await missCatalog.PruneAsync(now - TimeSpan.FromDays(1), history.MaxRecentMisses, cancellationToken);
        }
        finally
        {
            await leases.ReleaseAsync(MaintenanceLease, replica.Value, CancellationToken.None);
        }
        return true;
    }
}
