using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>
/// One namespace (<c>/dashboard/namespaces/{ns}</c>): its hit rate, largest and most used entries, recent
/// misses with their keys and protocols (where a team debugging a miss starts), quota and age policy.
/// </summary>
public static class NamespacePage
{
    private const int TopCount = 10;
    private const int MissCount = 50;

    public static async Task<IResult> ShowAsync(HttpContext context, string? range, RequestScope scope, CounterHistory history, UsageCatalog usage,
        DashboardCatalog catalog, IOptions<GcOptions> gc)
    {
        var ns = scope.RequiredNamespace.Value;
        var cancel = context.RequestAborted;
        var view = new HistoryView(await history.ReadAsync(HistoryRange.Parse(range), cancel), p => p.Namespace == ns);
        var stats = (await usage.PerNamespaceAsync(scope.RequiredNamespace, cancel)).SingleOrDefault();
        var (largest, mostUsed) = await catalog.TopEntriesAsync(scope.RequiredNamespace, TopCount, cancel);
        var misses = await history.RecentMissesAsync(ns, MissCount, cancel);
        var artifacts = (await catalog.ArtifactNamespacesAsync(cancel)).GetValueOrDefault(ns);
        var bounds = NamespaceBounds.Of(gc.Value, ns);
        return Layout.Page(context, ns, "overview", h =>
        {
            h.Element("h1", $"Namespace {ns}");
            HistoryView.RangeLinks(h, $"/dashboard/namespaces/{Uri.EscapeDataString(ns)}", view.Range);
            using (h.Block("section", ("class", "tiles")))
            {
                HistoryView.Tile(h, $"hit rate, last {view.Range.Name}", Format.Percent(view.HitRate()), "ns-hit-rate");
                HistoryView.Tile(h, "hits", Format.Count(view.Total(Metrics.Hits)), "ns-hits");
                HistoryView.Tile(h, "misses", Format.Count(view.Total(Metrics.Misses)), "ns-misses");
                HistoryView.Tile(h, "writes", Format.Count(view.Total(Metrics.Writes)));
                HistoryView.Tile(h, "stored (compressed)", Format.Bytes(stats?.StoredBytes ?? 0));
                HistoryView.Tile(h, "entries", Format.Count(stats?.Entries ?? 0));
                HistoryView.Tile(h, "blobs", Format.Count(stats?.Blobs ?? 0));
            }
            var protocols = view.Top(p => p.Protocol, [Metrics.Hits, Metrics.Misses], LineChart.Colours - 1);
            var lines = new List<ChartLine> { new("all", view.HitRatePerBucket(), Format.Percent(view.HitRate())) };
            lines.AddRange(protocols.Select(p => new ChartLine(p, view.HitRatePerBucket(q => q.Protocol == p), Format.Percent(view.HitRate(q => q.Protocol == p)))));
            using (h.Block("div", ("class", "grid")))
            {
                LineChart.Write(h, "Hit rate by protocol", view.Times, lines, v => Format.Percent(v), fixedMax: 1, view.TimeFormat);
                var perMinute = (double)view.Range.StepMinutes;
                LineChart.Write(h, "Lookups per minute", view.Times,
                [
                    new ChartLine("hits", view.PerBucket(Metrics.Hits).Select(v => (double?)v / perMinute).ToList(), Format.Count(view.Total(Metrics.Hits))),
                    new ChartLine("misses", view.PerBucket(Metrics.Misses).Select(v => (double?)v / perMinute).ToList(), Format.Count(view.Total(Metrics.Misses))),
                    new ChartLine("writes", view.PerBucket(Metrics.Writes).Select(v => (double?)v / perMinute).ToList(), Format.Count(view.Total(Metrics.Writes))),
                ], Format.Number, timeFormat: view.TimeFormat);
            }

            h.Element("h2", "Quota and age policy");
            using (h.Block("dl", ("class", "facts"), ("id", "policy")))
            {
                h.Element("dt", "quota");
                using (h.Block("dd"))
                {
                    if (bounds.MaxBytes > 0) h.Text($"{Format.Bytes(stats?.StoredBytes ?? 0)} of {Format.Bytes(bounds.MaxBytes)}; over it, least recently used content goes until {Format.Percent(gc.Value.LowWaterRatio)} of it");
                    else h.Text("none");
                }
                h.Element("dt", "max age").Element("dd", bounds.MaxAge is { } age ? $"content unused for {Format.Duration(age)} is evicted" : "none");
                h.Element("dt", "grace period").Element("dd", $"content used in the last {Format.Duration(gc.Value.PresenceGracePeriod)} is never evicted");
                h.Element("dt", "pinned").Element("dd", "files of published artifact versions are never evicted");
                h.Element("dt", "artifacts");
                using (h.Block("dd"))
                {
                    if (artifacts > 0) h.Element("a", $"{artifacts} artifact{(artifacts == 1 ? "" : "s")}", ("href", $"/artifacts/{Uri.EscapeDataString(ns)}"));
                    else h.Text("none");
                }
            }

            h.Element("h2", "Recent misses");
            h.Element("p", "The latest lookups in this namespace that found nothing, on every replica (newest first).", ("class", "muted"));
            if (misses.Count == 0) h.Element("p", "No misses recorded in the last day.", ("class", "muted"), ("id", "no-misses"));
            else
            {
                using var wrap = h.Block("div", ("class", "table-wrap"));
                using var table = h.Block("table", ("id", "misses-table"));
                using (h.Block("tr")) h.Element("th", "when").Element("th", "protocol").Element("th", "key");
                foreach (var miss in misses)
                {
                    using (h.Block("tr")) h.Element("td", Format.Time(miss.At)).Element("td", miss.Protocol).Open("td").Element("code", miss.Key).Close("td");
                }
            }
            using (h.Block("div", ("class", "grid")))
            {
                Entries(h, "Largest entries", "largest-entries", largest);
                Entries(h, "Most used entries", "most-used-entries", mostUsed);
            }
        });
    }

    private static void Entries(Html.Html h, string title, string id, IReadOnlyList<EntrySummary> entries)
    {
        using var section = h.Block("section");
        h.Element("h2", title);
        if (entries.Count == 0)
        {
            h.Element("p", "No entries.", ("class", "muted"));
            return;
        }
        using var wrap = h.Block("div", ("class", "table-wrap"));
        using var table = h.Block("table", ("id", id));
        using (h.Block("tr")) h.Element("th", "protocol").Element("th", "key").Element("th", "size", ("class", "num")).Element("th", "hits", ("class", "num")).Element("th", "last used");
        foreach (var e in entries)
        {
            using (h.Block("tr"))
            {
                h.Element("td", e.Protocol).Open("td").Element("code", e.Key).Close("td");
                h.Element("td", Format.Bytes(e.Size), ("class", "num")).Element("td", Format.Count(e.Hits), ("class", "num")).Element("td", Format.Time(e.LastAccessAt));
            }
        }
    }
}
