using System.Globalization;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>Operators: the audit log, filtered by namespace, subject, action and time.</summary>
public static class AuditPage
{
    private const int Limit = 200;

    public static async Task<IResult> ShowAsync(HttpContext context, string? @namespace, string? subject, string? action, string? since, string? until, AuditCatalog audit)
    {
        var from = ParseTime(since);
        var to = ParseTime(until);
        var records = await audit.QueryAsync(new AuditQuery(Limit, Blank(@namespace), Blank(subject), Blank(action), from, to), context.RequestAborted);
        return Layout.Page(context, "Audit log", "audit", h =>
        {
            h.Element("h1", "Audit log");
            using (h.Block("form", ("method", "get"), ("class", "filters"), ("id", "audit-filters")))
            {
                Field(h, "namespace", "namespace", @namespace, "text");
                Field(h, "subject", "subject", subject, "text");
                Field(h, "action contains", "action", action, "text");
                Field(h, "since (UTC)", "since", from?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), "datetime-local");
                Field(h, "until (UTC)", "until", to?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), "datetime-local");
                h.Element("button", "Filter", ("type", "submit"));
                h.Element("a", "Clear", ("href", "/dashboard/audit"));
            }
            h.Element("p", $"The newest {Limit} records that match, newest first.", ("class", "muted"));
            using var wrap = h.Block("div", ("class", "table-wrap"));
            using var table = h.Block("table", ("id", "audit"));
            using (h.Block("tr")) h.Element("th", "when").Element("th", "subject").Element("th", "action").Element("th", "namespace").Element("th", "target").Element("th", "status", ("class", "num"));
            foreach (var r in records)
            {
                using (h.Block("tr"))
                {
                    h.Element("td", Format.Time(r.At)).Element("td", r.Actor).Element("td", r.Action).Element("td", r.Namespace ?? "–");
                    h.Open("td").Element("code", r.Target ?? "").Close("td").Element("td", r.Status.ToString(CultureInfo.InvariantCulture), ("class", "num"));
                }
            }
        });
    }

    private static void Field(Html.Html h, string label, string name, string? value, string type)
    {
        using var field = h.Block("label");
        h.Text(label);
        h.Void("input", ("type", type), ("name", name), ("value", value));
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero) : null;
}
