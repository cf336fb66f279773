using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.History;

/// <summary>
/// Counts, per minute, what the server's counters count (lookups, writes, requests, bytes, errors,
/// evictions), in memory: every second it takes the increases of this server's <see cref="CacheMetrics"/>
/// tallies, so the request path does no work for it at all. <see cref="CounterHistory"/> takes the
/// per-minute increases and writes them.
/// </summary>
public sealed class CounterRecorder : IDisposable
{
    /// <summary>Stands for the namespaces counted past the series bound.</summary>
    public const string OtherNamespaces = "(other)";

    private static readonly TimeSpan CollectInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<SeriesMinute, StrongBox<long>> _pending = new();
    private readonly (Tally Tally, Func<TagValues, string> Metric)[] _recorded;
    private readonly Lock _collecting = new();
    private readonly TimeProvider _clock;
    private readonly int _maxSeries;
    private readonly ITimer _collector;

    public CounterRecorder(CacheMetrics metrics, TimeProvider clock, IOptions<DashboardOptions> options)
    {
        _clock = clock;
        _maxSeries = options.Value.History.MaxSeries;
        _recorded =
        [
            (metrics.Lookups, tags => metrics.Lookups.ValueOf(tags, "result") == "hit" ? Metrics.Hits : Metrics.Misses),
            (metrics.Writes, _ => Metrics.Writes),
            (metrics.Requests, _ => Metrics.Requests),
            (metrics.WireBytes, tags => metrics.WireBytes.ValueOf(tags, "direction") == "in" ? Metrics.BytesIn : Metrics.BytesOut),
            (metrics.Errors, _ => Metrics.Errors),
            (metrics.Evictions, _ => Metrics.Evictions),
        ];
        _collector = clock.CreateTimer(_ => Collect(), null, CollectInterval, CollectInterval);
    }

    /// <summary>Adds the tallies' increases since the last collection to the current minute.</summary>
    private void Collect()
    {
        lock (_collecting)
        {
            var minute = MinuteOf(_clock.GetUtcNow());
            foreach (var (tally, metric) in _recorded)
            {
                foreach (var (tags, increase) in tally.TakeIncreases())
                {
                    var label = tally.ValueOf(tags, "status") ?? tally.ValueOf(tags, "kind") ?? tally.ValueOf(tags, "reason") ?? "";
                    Add(new SeriesMinute(minute, metric(tags), tally.ValueOf(tags, "protocol") ?? "", tally.ValueOf(tags, "namespace") ?? "", label), increase);
                }
            }
        }
    }

    private void Add(SeriesMinute series, long value)
    {
        if (!_pending.TryGetValue(series, out var box))
        {
            if (_pending.Count >= _maxSeries && series.Namespace.Length > 0) series = series with { Namespace = OtherNamespaces };
            box = _pending.GetOrAdd(series, _ => new StrongBox<long>());
        }
        Interlocked.Add(ref box.Value, value);
    }

    /// <summary>Takes the increases counted so far (counting goes on meanwhile); past minutes are forgotten once taken.</summary>
    public IReadOnlyList<RollupDelta> Take()
    {
        // With collection held off, no increase lands in a past minute's series after it was taken and removed.
        lock (_collecting)
        {
            Collect();
            var current = MinuteOf(_clock.GetUtcNow());
            var taken = new List<RollupDelta>();
            foreach (var (series, box) in _pending)
            {
                var value = Interlocked.Exchange(ref box.Value, 0);
                if (series.Minute < current) _pending.TryRemove(series, out _);
                if (value != 0) taken.Add(series.ToDelta(value));
            }
            return taken;
        }
    }

    /// <summary>Puts back increases that could not be written (the database was down), to go with the next write.</summary>
    public void Restore(IEnumerable<RollupDelta> deltas)
    {
        foreach (var d in deltas) Add(new SeriesMinute(d.Minute, d.Metric, d.Protocol, d.Namespace, d.Label), d.Value);
    }

    /// <summary>The increases not taken yet, without taking them.</summary>
    public IReadOnlyList<RollupDelta> Peek()
    {
        lock (_collecting)
        {
            Collect();
            return _pending.Select(p => p.Key.ToDelta(Interlocked.Read(ref p.Value.Value))).Where(d => d.Value != 0).ToList();
        }
    }

    public static long MinuteOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60;

    public void Dispose() => _collector.Dispose();

    private readonly record struct SeriesMinute(long Minute, string Metric, string Protocol, string Namespace, string Label)
    {
        public RollupDelta ToDelta(long value) => new(Minute, Metric, Protocol, Namespace, Label, value);
    }
}

/// <summary>The names of the recorded counters, as stored.</summary>
public static class Metrics
{
    public const string Hits = "hits";
    public const string Misses = "misses";
    public const string Writes = "writes";
    public const string Requests = "requests";
    public const string BytesIn = "bytes_in";
    public const string BytesOut = "bytes_out";
    public const string Errors = "errors";
    public const string Evictions = "evictions";
}
