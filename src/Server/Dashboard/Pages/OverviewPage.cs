using CacheRegistry.Common.Api;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Dashboard.History;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>
/// The overview at <c>/</c>: hit rate over time per protocol and per namespace, storage against quota,
/// entry and blob counts, garbage collection passes; for operators also requests per second, bytes in
/// and out, and errors by status (server-wide numbers, not a team's).
/// </summary>
public static class OverviewPage
{
    private static readonly string[] Lookups = [Metrics.Hits, Metrics.Misses];

    public static async Task<IResult> ShowAsync(HttpContext context, string? range, CounterHistory history, UsageCatalog usage, GcPassCatalog gcPasses,
        DashboardCatalog catalog, IOptions<GcOptions> gc)
    {
        var viewer = Viewer.Of(context);
        var cancel = context.RequestAborted;
        var view = new HistoryView(await history.ReadAsync(HistoryRange.Parse(range), cancel), p => p.Namespace.Length == 0 ? viewer.IsOperator : viewer.CanRead(p.Namespace));
        var namespaces = (await usage.PerNamespaceAsync(null, cancel)).Where(n => viewer.CanRead(n.Namespace)).ToList();
        var artifacts = await catalog.ArtifactNamespacesAsync(cancel);
        var passes = await gcPasses.RecentAsync(20, cancel);
        return Layout.Page(context, "Overview", "overview", h =>
        {
            h.Element("h1", "Overview");
            if (!viewer.IsOperator) h.Element("p", $"Showing the namespaces your token can read ({string.Join(", ", viewer.Scopes)}).", ("class", "muted"));
            HistoryView.RangeLinks(h, "/", view.Range);
            Tiles(h, view, namespaces, viewer.IsOperator);
            HitRates(h, view);
            if (viewer.IsOperator) Traffic(h, view);
            Storage(h, namespaces, artifacts, gc.Value, viewer);
            GcPasses(h, passes, viewer);
        });
    }

    private static void Tiles(Html.Html h, HistoryView view, IReadOnlyList<NamespaceStats> namespaces, bool isOperator)
    {
        using var tiles = h.Block("section", ("class", "tiles"), ("aria-label", "totals"));
        HistoryView.Tile(h, $"hit rate, last {view.Range.Name}", Format.Percent(view.HitRate()), "hit-rate");
        HistoryView.Tile(h, "lookups", Format.Count(view.Total(Metrics.Hits) + view.Total(Metrics.Misses)), "lookups");
        HistoryView.Tile(h, "hits", Format.Count(view.Total(Metrics.Hits)), "hits");
        HistoryView.Tile(h, "misses", Format.Count(view.Total(Metrics.Misses)), "misses");
        HistoryView.Tile(h, "writes", Format.Count(view.Total(Metrics.Writes)), "writes");
        if (isOperator)
        {
            HistoryView.Tile(h, "requests per second (average)", Format.Rate(view.AverageRate(Metrics.Requests)), "requests");
            HistoryView.Tile(h, "bytes in", Format.Bytes(view.Total(Metrics.BytesIn)), "bytes-in");
            HistoryView.Tile(h, "bytes out", Format.Bytes(view.Total(Metrics.BytesOut)), "bytes-out");
        }
        HistoryView.Tile(h, "stored (compressed)", Format.Bytes(namespaces.Sum(n => n.StoredBytes)), "stored");
        HistoryView.Tile(h, "entries", Format.Count(namespaces.Sum(n => n.Entries)), "entries");
        HistoryView.Tile(h, "blobs (per namespace)", Format.Count(namespaces.Sum(n => n.Blobs)), "blobs");
    }

    private static void HitRates(Html.Html h, HistoryView view)
    {
        h.Element("h2", "Hit rate");
        var protocols = view.Top(p => p.Protocol, Lookups, LineChart.Colours - 1);
        var namespaces = view.Top(p => p.Namespace, Lookups, LineChart.Colours);
        using (h.Block("div", ("class", "grid")))
        {
            var byProtocol = new List<ChartLine> { new("all", view.HitRatePerBucket(), Format.Percent(view.HitRate())) };
            byProtocol.AddRange(protocols.Select(p => new ChartLine(p, view.HitRatePerBucket(q => q.Protocol == p), Format.Percent(view.HitRate(q => q.Protocol == p)))));
            LineChart.Write(h, "Hit rate by protocol", view.Times, byProtocol, v => Format.Percent(v), fixedMax: 1, view.TimeFormat);
            LineChart.Write(h, "Hit rate by namespace", view.Times,
                namespaces.Select(n => new ChartLine(n, view.HitRatePerBucket(q => q.Namespace == n), Format.Percent(view.HitRate(q => q.Namespace == n)))).ToList(),
                v => Format.Percent(v), fixedMax: 1, view.TimeFormat);
        }
        h.Element("h2", "Lookups and writes");
        using var wrap = h.Block("div", ("class", "table-wrap"));
        using var table = h.Block("table", ("id", "lookups-table"));
        using (h.Block("thead"))
        using (h.Block("tr"))
        {
            h.Element("th", "protocol").Element("th", "namespace");
            foreach (var column in new[] { "lookups", "hits", "misses", "hit rate", "writes" }) h.Element("th", column, ("class", "num"));
        }
        using var body = h.Block("tbody");
        foreach (var (protocol, ns) in view.Top(p => $"{p.Protocol}\n{p.Namespace}", [Metrics.Hits, Metrics.Misses, Metrics.Writes], 50).Select(Split))
        {
            bool Here(RollupPoint p) => p.Protocol == protocol && p.Namespace == ns;
            var hits = view.Total(Metrics.Hits, Here);
            var misses = view.Total(Metrics.Misses, Here);
            using (h.Block("tr"))
            {
                h.Element("td", protocol);
                NamespaceCell(h, ns);
                h.Element("td", Format.Count(hits + misses), ("class", "num")).Element("td", Format.Count(hits), ("class", "num")).Element("td", Format.Count(misses), ("class", "num"));
                h.Element("td", Format.Percent(Format.Ratio(hits, hits + misses)), ("class", "num")).Element("td", Format.Count(view.Total(Metrics.Writes, Here)), ("class", "num"));
            }
        }
    }

    private static void Traffic(Html.Html h, HistoryView view)
    {
        h.Element("h2", "Traffic (all namespaces)");
        using (h.Block("div", ("class", "grid")))
        {
            var protocols = view.Top(p => p.Protocol, [Metrics.Requests], LineChart.Colours);
            LineChart.Write(h, "Requests per second by protocol", view.Times,
                protocols.Select(p => new ChartLine(p, view.RatePerBucket(Metrics.Requests, q => q.Protocol == p), Format.Rate(view.AverageRate(Metrics.Requests, q => q.Protocol == p)))).ToList(),
                Format.Rate, timeFormat: view.TimeFormat);
            LineChart.Write(h, "Bytes per second", view.Times,
                [
                    new ChartLine("in", view.RatePerBucket(Metrics.BytesIn), Format.Bytes(view.Total(Metrics.BytesIn))),
                    new ChartLine("out", view.RatePerBucket(Metrics.BytesOut), Format.Bytes(view.Total(Metrics.BytesOut))),
                ],
                v => Format.Bytes(v) + "/s", timeFormat: view.TimeFormat);
            var statuses = view.Top(p => p.Label, [Metrics.Errors], LineChart.Colours);
            LineChart.Write(h, "Errors per minute by status", view.Times,
                statuses.Select(s => new ChartLine(s, view.PerBucket(Metrics.Errors, q => q.Label == s).Select(v => (double?)v / view.Range.StepMinutes).ToList(),
                    Format.Count(view.Total(Metrics.Errors, q => q.Label == s)))).ToList(),
                Format.Number, timeFormat: view.TimeFormat);
        }
        var errors = view.Top(p => $"{p.Label}\n{p.Protocol}", [Metrics.Errors], 50).Select(Split).ToList();
        if (errors.Count == 0) return;
        h.Element("h3", "Errors by status");
        using var table = h.Block("table", ("id", "errors-table"));
        using (h.Block("tr")) h.Element("th", "status").Element("th", "protocol").Element("th", "count", ("class", "num"));
        foreach (var (status, protocol) in errors)
        {
            using (h.Block("tr"))
            {
                h.Element("td", status).Element("td", protocol).Element("td", Format.Count(view.Total(Metrics.Errors, p => p.Label == status && p.Protocol == protocol)), ("class", "num"));
            }
        }
    }

    private static void Storage(Html.Html h, IReadOnlyList<NamespaceStats> namespaces, IReadOnlyDictionary<string, int> artifacts, GcOptions gc, Viewer viewer)
    {
        h.Element("h2", "Storage by namespace");
        var globalBound = NamespaceBounds.Global(gc);
        if (viewer.IsOperator && globalBound > 0)
        {
            using (h.Block("p"))
            {
                var total = namespaces.Sum(n => n.StoredBytes);
                h.Text($"All namespaces: {Format.Bytes(total)} of the global bound {Format.Bytes(globalBound)} (a blob shared by namespaces counts in each here, once in the bound) ");
                h.Element("meter", "", ("min", "0"), ("max", globalBound.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("value", total.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("high", ((long)(globalBound * gc.LowWaterRatio)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        var names = namespaces.Select(n => n.Namespace).Concat(artifacts.Keys.Where(viewer.CanRead)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            h.Element("p", "Nothing stored yet.", ("class", "muted"));
            return;
        }
        using var wrap = h.Block("div", ("class", "table-wrap"));
        using var table = h.Block("table", ("id", "storage-table"));
        using (h.Block("tr"))
        {
            h.Element("th", "namespace");
            foreach (var column in new[] { "blobs", "entries", "size", "stored" }) h.Element("th", column, ("class", "num"));
            h.Element("th", "quota").Element("th", "max age").Element("th", "artifacts");
        }
        foreach (var name in names)
        {
            var stats = namespaces.FirstOrDefault(n => n.Namespace == name) ?? new NamespaceStats(name, 0, 0, 0, 0);
            var bounds = NamespaceBounds.Of(gc, name);
            using (h.Block("tr"))
            {
                NamespaceCell(h, name);
                h.Element("td", Format.Count(stats.Blobs), ("class", "num")).Element("td", Format.Count(stats.Entries), ("class", "num"));
                h.Element("td", Format.Bytes(stats.Bytes), ("class", "num")).Element("td", Format.Bytes(stats.StoredBytes), ("class", "num"));
                QuotaCell(h, stats.StoredBytes, bounds.MaxBytes, gc.LowWaterRatio);
                h.Element("td", bounds.MaxAge is { } age ? Format.Duration(age) : "none");
                using (h.Block("td"))
                {
                    if (artifacts.TryGetValue(name, out var count)) h.Element("a", $"{count} artifact{(count == 1 ? "" : "s")}", ("href", $"/artifacts/{Uri.EscapeDataString(name)}"));
                    else h.Element("span", "none", ("class", "muted"));
                }
            }
        }
    }

    public static void QuotaCell(Html.Html h, long stored, long quota, double lowWater)
    {
        using var cell = h.Block("td");
        if (quota <= 0)
        {
            h.Element("span", "no quota", ("class", "muted"));
            return;
        }
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        h.Element("meter", "", ("min", "0"), ("max", quota.ToString(invariant)), ("value", Math.Min(stored, quota).ToString(invariant)),
            ("high", ((long)(quota * lowWater)).ToString(invariant)), ("title", $"{Format.Percent(Format.Ratio(stored, quota))} of {Format.Bytes(quota)}"));
        h.Text($" {Format.Percent(Format.Ratio(stored, quota))} of {Format.Bytes(quota)}");
    }

    private static void GcPasses(Html.Html h, IReadOnlyList<GcPassRecord> passes, Viewer viewer)
    {
        h.Element("h2", "Garbage collection passes");
        if (passes.Count == 0)
        {
            h.Element("p", "No pass has run yet (every Gc:Interval, or `cache gc`).", ("class", "muted"));
            return;
        }
        using var wrap = h.Block("div", ("class", "table-wrap"));
        using var table = h.Block("table", ("id", "gc-table"));
        using (h.Block("tr"))
        {
            h.Element("th", "finished").Element("th", "took", ("class", "num")).Element("th", "evicted (namespace, reason: blobs, entries, bytes freed)");
            h.Element("th", "bytes freed", ("class", "num"));
            if (viewer.IsOperator) h.Element("th", "objects deleted", ("class", "num")).Element("th", "orphans", ("class", "num")).Element("th", "repaired", ("class", "num")).Element("th", "replica");
        }
        foreach (var pass in passes)
        {
            var evictions = pass.Report.Evictions.Where(e => viewer.CanRead(e.Namespace)).ToList();
            using (h.Block("tr"))
            {
                h.Element("td", Format.Time(pass.FinishedAt)).Element("td", Format.Duration(pass.FinishedAt - pass.StartedAt), ("class", "num"));
                using (h.Block("td"))
                {
                    if (evictions.Count == 0) h.Element("span", "nothing", ("class", "muted"));
                    foreach (var e in evictions)
                    {
                        h.Element("div", $"{e.Namespace}, {e.Reason}: {Format.Count(e.Blobs)} blobs, {Format.Count(e.Entries)} entries, {Format.Bytes(e.Bytes)}");
                    }
                }
                h.Element("td", Format.Bytes(evictions.Sum(e => e.Bytes)), ("class", "num"));
                if (viewer.IsOperator)
                {
                    h.Element("td", Format.Count(pass.Report.DeletedObjects), ("class", "num")).Element("td", Format.Count(pass.Report.OrphanObjects), ("class", "num"));
                    h.Element("td", Format.Count(pass.Report.RepairedBlobs + pass.Report.RemovedIncompleteEntries), ("class", "num")).Element("td", pass.Replica);
                }
            }
        }
    }

    private static void NamespaceCell(Html.Html h, string ns)
    {
        using var cell = h.Block("td");
        if (ns.Length == 0 || ns == CounterRecorder.OtherNamespaces) h.Text(ns.Length == 0 ? "–" : ns);
        else h.Element("a", ns, ("href", $"/dashboard/namespaces/{Uri.EscapeDataString(ns)}"));
    }

    private static (string, string) Split(string pair)
    {
        var parts = pair.Split('\n');
        return (parts[0], parts[1]);
    }
}
