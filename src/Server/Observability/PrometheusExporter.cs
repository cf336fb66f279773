using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace CacheRegistry.Server.Observability;

/// <summary>
/// Collects the server's System.Diagnostics.Metrics instruments (the same ones an OpenTelemetry
/// exporter sees) and renders them in the Prometheus text format: counters as <c>_total</c>,
/// histograms as buckets, observable gauges read at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();

    /// <param name="meters">Only this container's meters are exported (a process may host several servers).</param>
    public PrometheusExporter(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Core.Access.CacheMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            var name = instrument.Name.Replace('.', '_');
            var kind = instrument switch
            {
                Counter<long> or Counter<double> => "counter",
                Histogram<double> or Histogram<long> => "histogram",
                _ => "gauge",
            };
            name += instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
            if (kind == "counter") name += "_total";
            if (instrument.Description is { Length: > 0 } help) text.Append($"# HELP {name} {help}\n");
            text.Append($"# TYPE {name} {kind}\n");
            foreach (var (key, series) in group.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (kind != "histogram")
                    {
                        text.Append(name).Append(Braces(key.Labels)).Append(' ').Append(Format(series.Value)).Append('\n');
                        continue;
                    }
                    long cumulative = 0;
                    for (var i = 0; i < Buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        text.Append($"{name}_bucket{Braces(Join(key.Labels, $"le=\"{Format(Buckets[i])}\""))} {cumulative}\n");
                    }
                    text.Append($"{name}_bucket{Braces(Join(key.Labels, "le=\"+Inf\""))} {series.Count}\n");
                    text.Append($"{name}_sum{Braces(key.Labels)} {Format(series.Value)}\n");
                    text.Append($"{name}_count{Braces(key.Labels)} {series.Count}\n");
                }
            }
        }
        return text.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<string>(tags.Length);
        foreach (var tag in tags) labels.Add($"{tag.Key.Replace('.', '_')}=\"{Escape(tag.Value?.ToString() ?? "")}\"");
        labels.Sort(StringComparer.Ordinal);
        var series = _series.GetOrAdd((instrument, string.Join(',', labels)), _ => new Series());
        lock (series)
        {
            switch (instrument)
            {
                case Histogram<double> or Histogram<long>:
                    series.Value += value;
                    series.Count++;
                    var bucket = Array.FindIndex(Buckets, b => value <= b);
                    if (bucket >= 0) series.Buckets[bucket]++;
                    break;
                case Counter<long> or Counter<double>:
                    series.Value += value;
                    break;
                default: // observable gauges and up-down values: the latest reading
                    series.Value = value;
                    break;
            }
        }
    }

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public void Dispose() => _listener.Dispose();

    private sealed class Series
    {
        public double Value;
        public long Count;
        public readonly long[] Buckets = new long[PrometheusExporter.Buckets.Length];
    }
}
