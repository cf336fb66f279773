using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// A counter kept in memory per combination of its tags' values (at most three): adding costs one
/// dictionary lookup and an interlocked add. OpenTelemetry reads the totals as an observable counter
/// when /metrics is scraped or an export runs, and the dashboard's recorder takes the increases.
/// (OpenTelemetry's own counters aggregate every measurement as it is made, and the recorder listened
/// to each as well: together about a twentieth of a cache miss's CPU.)
/// </summary>
public sealed class Tally
{
    /// <summary>Series past this bound are counted together, every tag value <see cref="Overflow"/>.</summary>
    public const int MaxSeries = 10_000;

    public const string Overflow = "(other)";

    private readonly ConcurrentDictionary<TagValues, Series> _series = new();

    public Tally(string name, string? unit, string description, params string[] tagNames)
    {
        if (tagNames.Length > 3) throw new ArgumentException("a tally has at most three tags", nameof(tagNames));
        Name = name;
        Unit = unit;
        Description = description;
        TagNames = tagNames;
    }

    public string Name { get; }

    public string? Unit { get; }

    public string Description { get; }

    public IReadOnlyList<string> TagNames { get; }

    public void Add(long value) => Count(value, default);

    public void Add(long value, string first) => Count(value, new TagValues(first, null, null));

    public void Add(long value, string first, string second) => Count(value, new TagValues(first, second, null));

    public void Add(long value, string first, string second, string third) => Count(value, new TagValues(first, second, third));

    private void Count(long value, TagValues tags)
    {
        if (!_series.TryGetValue(tags, out var series))
        {
            if (_series.Count >= MaxSeries) tags = OverflowTags();
            series = _series.GetOrAdd(tags, _ => new Series());
        }
        Interlocked.Add(ref series.Total, value);
    }

    /// <summary>Every series' total since the process started.</summary>
    public IEnumerable<(TagValues Tags, long Total)> Totals() => _series.Select(s => (s.Key, Interlocked.Read(ref s.Value.Total)));

    /// <summary>The totals as OpenTelemetry measurements (the observable counter's callback).</summary>
    public IEnumerable<Measurement<long>> Measurements() =>
        _series.Select(s => new Measurement<long>(Interlocked.Read(ref s.Value.Total), TagsOf(s.Key)));

    /// <summary>
    /// What each series counted since the previous call (an increase is taken once). Callers take turns:
    /// the dashboard's recorder is the only one.
    /// </summary>
    public IEnumerable<(TagValues Tags, long Increase)> TakeIncreases()
    {
        foreach (var (tags, series) in _series)
        {
            var total = Interlocked.Read(ref series.Total);
            var increase = total - series.Taken;
            series.Taken = total;
            if (increase != 0) yield return (tags, increase);
        }
    }

    /// <summary>The value of the tag named <paramref name="name"/> in <paramref name="tags"/>, or null when this tally has no such tag.</summary>
    public string? ValueOf(TagValues tags, string name)
    {
        for (var i = 0; i < TagNames.Count; i++)
        {
            if (TagNames[i] == name) return tags[i];
        }
        return null;
    }

    private KeyValuePair<string, object?>[] TagsOf(TagValues values)
    {
        var tags = new KeyValuePair<string, object?>[TagNames.Count];
        for (var i = 0; i < tags.Length; i++) tags[i] = new(TagNames[i], values[i]);
        return tags;
    }

    private TagValues OverflowTags() => new(
        TagNames.Count > 0 ? Overflow : null,
        TagNames.Count > 1 ? Overflow : null,
        TagNames.Count > 2 ? Overflow : null);

    private sealed class Series
    {
        public long Total;
        public long Taken;
    }
}

/// <summary>The values of a <see cref="Tally"/>'s tags, in the order of its tag names.</summary>
public readonly record struct TagValues(string? First, string? Second, string? Third)
{
    public string? this[int index] => index switch
    {
        0 => First,
        1 => Second,
        2 => Third,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}
