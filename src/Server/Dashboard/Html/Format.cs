using System.Globalization;

namespace CacheRegistry.Server.Dashboard.Html;

/// <summary>Numbers and times as the pages show them (invariant culture, UTC).</summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Count(long value) => value.ToString("#,0", Invariant);

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes.ToString("0", Invariant)} B" : $"{bytes.ToString(bytes < 10 ? "0.0" : "0", Invariant)} {units[unit]}";
    }

    public static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0.0", Invariant) + " %" : "–";

    public static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "0.00" : "0.0", Invariant) + "/s";

    public static string Number(double value) => value.ToString("0.##", Invariant);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Invariant) + " UTC";

    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays.ToString("0.#", Invariant)} days"
        : span.TotalHours >= 1 ? $"{span.TotalHours.ToString("0.#", Invariant)} hours"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes.ToString("0.#", Invariant)} minutes"
        : $"{span.TotalSeconds.ToString("0.#", Invariant)} s";

    /// <summary>A ratio of two counts, or null when there is nothing to divide.</summary>
    public static double? Ratio(long part, long whole) => whole == 0 ? null : (double)part / whole;
}
