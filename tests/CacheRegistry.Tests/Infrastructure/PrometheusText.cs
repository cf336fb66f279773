using System.Globalization;
using System.Text.RegularExpressions;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>Reads series from a Prometheus text scrape, the way a query does: by name and the labels asked for (others, such as otel_scope_name, may be there too).</summary>
public static partial class PrometheusText
{
    /// <summary>The value of the first series matching <paramref name="selector"/> (<c>name{label="value",…}</c>); 0 when none does.</summary>
    public static double Value(string scrape, string selector) =>
        Series(scrape, selector).Select(s => s.Value).DefaultIfEmpty(0).First();

    /// <summary>The sum of every series matching <paramref name="selector"/> (those of one label, over all the others).</summary>
    public static double Sum(string scrape, string selector) => Series(scrape, selector).Sum(s => s.Value);

    public static bool Has(string scrape, string selector) => Series(scrape, selector).Any();

    private static IEnumerable<(IReadOnlyDictionary<string, string> Labels, double Value)> Series(string scrape, string selector)
    {
        var (name, wanted) = Parse(selector);
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            var space = line.LastIndexOf(' ');
            var (seriesName, labels) = Parse(line[..space]);
            if (seriesName != name || wanted.Any(w => labels.GetValueOrDefault(w.Key) != w.Value)) continue;
            yield return (labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
    }

    private static (string Name, Dictionary<string, string> Labels) Parse(string series)
    {
        var brace = series.IndexOf('{');
        if (brace < 0) return (series, []);
        var labels = Label().Matches(series[(brace + 1)..series.LastIndexOf('}')]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return (series[..brace], labels);
    }

    [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)"(?:,|$)""")]
    private static partial Regex Label();
}
