using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>Turns history points into what the charts and tables show: sums, rates and hit rates per bucket.</summary>
public sealed class HistoryView(HistorySeries history, Func<RollupPoint, bool> visible)
{
    private readonly IReadOnlyList<RollupPoint> _points = history.Points.Where(visible).ToList();

    public HistoryRange Range => history.Range;

    public IReadOnlyList<DateTimeOffset> Times { get; } =
        Enumerable.Range(0, history.Range.Buckets).Select(i => history.TimeOf(history.FirstBucket + (long)i * history.Range.StepMinutes)).ToList();

    public string TimeFormat => Range.Span > TimeSpan.FromDays(1) ? "MM-dd HH:mm" : "HH:mm";

    public long Total(string metric, Func<RollupPoint, bool>? where = null) => Select(metric, where).Sum(p => p.Value);

    public long[] PerBucket(string metric, Func<RollupPoint, bool>? where = null)
    {
        var values = new long[Range.Buckets];
        foreach (var p in Select(metric, where))
        {
            var i = history.IndexOf(p.Bucket);
            if (i >= 0 && i < values.Length) values[i] += p.Value;
        }
        return values;
    }

    /// <summary>Per bucket, per second.</summary>
    public IReadOnlyList<double?> RatePerBucket(string metric, Func<RollupPoint, bool>? where = null) =>
        PerBucket(metric, where).Select(v => (double?)v / (Range.StepMinutes * 60.0)).ToList();

    public IReadOnlyList<double?> HitRatePerBucket(Func<RollupPoint, bool>? where = null)
    {
        var hits = PerBucket(Metrics.Hits, where);
        var misses = PerBucket(Metrics.Misses, where);
        return hits.Select((h, i) => Format.Ratio(h, h + misses[i])).ToList();
    }

    public double? HitRate(Func<RollupPoint, bool>? where = null)
    {
        var hits = Total(Metrics.Hits, where);
        return Format.Ratio(hits, hits + Total(Metrics.Misses, where));
    }

    public double AverageRate(string metric, Func<RollupPoint, bool>? where = null) => Total(metric, where) / Range.Span.TotalSeconds;

    /// <summary>The distinct values of a dimension among the points of the metrics, ordered by their total, largest first.</summary>
    public IReadOnlyList<string> Top(Func<RollupPoint, string> dimension, IReadOnlyCollection<string> metrics, int count) =>
        _points.Where(p => metrics.Contains(p.Metric)).GroupBy(dimension).OrderByDescending(g => g.Sum(p => p.Value)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(count).Select(g => g.Key).ToList();

    private IEnumerable<RollupPoint> Select(string metric, Func<RollupPoint, bool>? where) => _points.Where(p => p.Metric == metric && (where is null || where(p)));

    public static void RangeLinks(Html.Html h, string path, HistoryRange current)
    {
        using var nav = h.Block("nav", ("class", "ranges"), ("aria-label", "time range"));
        foreach (var range in HistoryRange.All)
        {
            h.Element("a", range.Name, ("href", $"{path}?range={range.Name}"), ("aria-current", range == current ? "true" : null));
        }
    }

    public static void Tile(Html.Html h, string label, string value, string? id = null)
    {
        using var tile = h.Block("div", ("class", "tile"));
        h.Element("div", value, ("class", "value"), ("id", id));
        h.Element("div", label, ("class", "label"));
    }
}
