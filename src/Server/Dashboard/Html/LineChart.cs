using System.Globalization;

namespace CacheRegistry.Server.Dashboard.Html;

/// <summary>One line of a chart: a value per bucket (null where there is nothing to show, e.g. no lookups).</summary>
public sealed record ChartLine(string Name, IReadOnlyList<double?> Values, string Summary);

/// <summary>
/// A line chart as inline SVG (no script, no inline style: colours come from the stylesheet's s0..s7
/// classes): a line per series over the buckets, each point's value in a tooltip (its SVG title), and
/// a legend with each line's summary beside it.
/// </summary>
public static class LineChart
{
    private const double Width = 640, Height = 200, Left = 52, Right = 8, Top = 10, Bottom = 24;
    public const int Colours = 8;

    public static void Write(Html h, string title, IReadOnlyList<DateTimeOffset> times, IReadOnlyList<ChartLine> lines, Func<double, string> format,
        double? fixedMax = null, string timeFormat = "HH:mm")
    {
        using var figure = h.Block("figure", ("class", "chart"));
        h.Element("h3", title);
        var max = fixedMax ?? NiceCeiling(lines.SelectMany(l => l.Values).Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(0).Max());
        if (max <= 0) max = 1;
        var count = Math.Max(times.Count, 2);
        double X(int i) => Left + (Width - Left - Right) * i / (count - 1);
        double Y(double v) => Top + (Height - Top - Bottom) * (1 - Math.Clamp(v / max, 0, 1));

        using (h.Block("svg", ("viewBox", $"0 0 {N(Width)} {N(Height)}"), ("role", "img"), ("aria-label", title), ("class", "plot"), ("xmlns", "http://www.w3.org/2000/svg")))
        {
            for (var g = 0; g <= 4; g++)
            {
                var value = max * g / 4;
                h.Void("line", ("class", "grid"), ("x1", N(Left)), ("x2", N(Width - Right)), ("y1", N(Y(value))), ("y2", N(Y(value))));
                h.Element("text", format(value), ("class", "axis"), ("x", N(Left - 4)), ("y", N(Y(value) + 4)), ("text-anchor", "end"));
            }
            if (times.Count > 0)
            {
                foreach (var i in Ticks(times.Count))
                {
                    h.Element("text", times[i].UtcDateTime.ToString(timeFormat, CultureInfo.InvariantCulture), ("class", "axis"), ("x", N(X(i))), ("y", N(Height - 6)),
                        ("text-anchor", i == 0 ? "start" : i == times.Count - 1 ? "end" : "middle"));
                }
            }
            for (var s = 0; s < lines.Count; s++)
            {
                var line = lines[s];
                var colour = $"s{s % Colours}";
                var path = new System.Text.StringBuilder();
                var drawing = false;
                for (var i = 0; i < line.Values.Count; i++)
                {
                    if (line.Values[i] is not { } v)
                    {
                        drawing = false;
                        continue;
                    }
                    path.Append(drawing ? " L" : " M").Append(N(X(i))).Append(' ').Append(N(Y(v)));
                    drawing = true;
                }
                if (path.Length > 0) h.Void("path", ("class", $"line {colour}"), ("d", path.ToString().Trim()));
                for (var i = 0; i < line.Values.Count; i++)
                {
                    if (line.Values[i] is not { } v) continue;
                    using (h.Block("circle", ("class", $"pt {colour}"), ("cx", N(X(i))), ("cy", N(Y(v))), ("r", "2.5")))
                    {
                        h.Element("title", $"{(i < times.Count ? Format.Time(times[i]) : "")} · {line.Name}: {format(v)}");
                    }
                }
            }
        }
        using (h.Block("figcaption", ("class", "legend")))
        {
            for (var s = 0; s < lines.Count; s++)
            {
                using (h.Block("span", ("class", "key")))
                {
                    h.Element("span", "", ("class", $"sw s{s % Colours}"), ("aria-hidden", "true"));
                    h.Text(lines[s].Name + " ");
                    h.Element("strong", lines[s].Summary);
                }
            }
            if (lines.Count == 0) h.Element("span", "no data in this range yet", ("class", "muted"));
        }
    }

    private static IEnumerable<int> Ticks(int count)
    {
        const int wanted = 5;
        if (count <= wanted) return Enumerable.Range(0, count);
        return Enumerable.Range(0, wanted).Select(t => (int)Math.Round((double)(count - 1) * t / (wanted - 1))).Distinct();
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (factor * magnitude >= value) return factor * magnitude;
        }
        return 10 * magnitude;
    }

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
