using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.History;

/// <summary>
/// Counts, per minute, what the server's counters count (lookups, writes, requests, bytes, errors,
/// evictions), in memory: it listens to this server's <see cref="CacheMetrics"/> instruments, so the
/// request path gains one dictionary increment per measurement and no database work.
/// <see cref="CounterHistory"/> takes the increases and writes them.
/// </summary>
public sealed class CounterRecorder : IDisposable
{
    /// <summary>Stands for the namespaces counted past the series bound.</summary>
    public const string OtherNamespaces = "(other)";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<SeriesMinute, StrongBox<long>> _pending = new();
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly int _maxSeries;

    public CounterRecorder(CacheMetrics metrics, TimeProvider clock, IOptions<DashboardOptions> options)
    {
        _metrics = metrics;
        _clock = clock;
        _maxSeries = options.Value.History.MaxSeries;
        Instrument[] recorded = [metrics.Lookups, metrics.Writes, metrics.Requests, metrics.WireBytes, metrics.Errors, metrics.Evictions];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (recorded.Contains(instrument)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (value == 0) return;
        string protocol = "", ns = "", label = "", result = "", direction = "";
        foreach (var (key, tag) in tags)
        {
            var text = tag as string ?? tag?.ToString() ?? "";
            switch (key)
            {
                case "protocol": protocol = text; break;
                case "namespace": ns = text; break;
                case "result": result = text; break;
                case "direction": direction = text; break;
                case "status" or "kind" or "reason": label = text; break;
            }
        }
        var metric = instrument == _metrics.Lookups ? (result == "hit" ? Metrics.Hits : Metrics.Misses)
            : instrument == _metrics.Writes ? Metrics.Writes
            : instrument == _metrics.Requests ? Metrics.Requests
            : instrument == _metrics.WireBytes ? (direction == "in" ? Metrics.BytesIn : Metrics.BytesOut)
            : instrument == _metrics.Errors ? Metrics.Errors
            : Metrics.Evictions;
        Add(new SeriesMinute(MinuteOf(_clock.GetUtcNow()), metric, protocol, ns, label), value);
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

    /// <summary>Puts back increases that could not be written (the database was down), to go with the next write.</summary>
    public void Restore(IEnumerable<RollupDelta> deltas)
    {
        foreach (var d in deltas) Add(new SeriesMinute(d.Minute, d.Metric, d.Protocol, d.Namespace, d.Label), d.Value);
    }

    /// <summary>The increases not taken yet, without taking them.</summary>
    public IReadOnlyList<RollupDelta> Peek() =>
        _pending.Select(p => p.Key.ToDelta(Interlocked.Read(ref p.Value.Value))).Where(d => d.Value != 0).ToList();

    public static long MinuteOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60;

    public void Dispose() => _listener.Dispose();

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
