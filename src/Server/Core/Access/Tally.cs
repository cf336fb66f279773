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
    /// <summary>
    /// Past this many series, a new value of the tally's unbounded tag (the namespace: callers choose it) is
    /// counted as <see cref="Overflow"/>; its other tags keep their values, which come from small known sets.
    /// Below OpenTelemetry's default limit of 2,000 series per metric, so the export never folds them itself.
    /// </summary>
    public const int MaxSeries = 1_000;

    public const string Overflow = "(other)";

    private readonly ConcurrentDictionary<TagValues, Series> _series = new();
    private readonly int _unboundedTag;
    private int _count;

    /// <param name="unboundedTag">The one tag whose values callers choose (the others take a known, small set of values), or null.</param>
    public Tally(string? unboundedTag, params string[] tagNames)
    {
        if (tagNames.Length > 3) throw new ArgumentException("a tally has at most three tags", nameof(tagNames));
        _unboundedTag = unboundedTag is null ? -1 : Array.IndexOf(tagNames, unboundedTag);
        if (unboundedTag is not null && _unboundedTag < 0) throw new ArgumentException($"{unboundedTag} is not one of the tags", nameof(unboundedTag));
        TagNames = tagNames;
    }

    public IReadOnlyList<string> TagNames { get; }

    public void Add(long value) => Count(value, default);

    public void Add(long value, string first) => Count(value, new TagValues(first, null, null));

    public void Add(long value, string first, string second) => Count(value, new TagValues(first, second, null));

    public void Add(long value, string first, string second, string third) => Count(value, new TagValues(first, second, third));

    private void Count(long value, TagValues tags)
    {
        if (!_series.TryGetValue(tags, out var series))
        {
            if (_unboundedTag >= 0 && Volatile.Read(ref _count) >= MaxSeries) tags = tags.With(_unboundedTag, Overflow);
            series = _series.GetOrAdd(tags, _ => NewSeries());
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

    private Series NewSeries()
    {
        Interlocked.Increment(ref _count);
        return new Series();
    }

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

    public TagValues With(int index, string value) => index switch
    {
        0 => this with { First = value },
        1 => this with { Second = value },
        2 => this with { Third = value },
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}
