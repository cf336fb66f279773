using System.Reflection;
using CacheRegistry.Server.Dashboard.SignIn;
using Microsoft.AspNetCore.Antiforgery;

namespace CacheRegistry.Server.Dashboard.Html;

/// <summary>The frame of every page: head (the stylesheet and script, both served by this server), navigation, who is signed in, footer.</summary>
public static class Layout
{
    public static readonly string Version =
        typeof(Layout).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>A page for the viewer, answered as HTML with the dashboard's security headers.</summary>
    public static IResult Page(HttpContext context, string title, string section, Action<Html> body, int status = StatusCodes.Status200OK)
    {
        var h = new Html();
        Document(h, context, title, section, Viewer.Of(context), withForms: true, body);
        return Results.Content(h.ToString(), "text/html; charset=utf-8", statusCode: status);
    }

    /// <param name="withForms">False for error pages: their bodies must not differ between requests (no antiforgery token in the header).</param>
    public static void Document(Html h, HttpContext context, string title, string section, Viewer viewer, bool withForms, Action<Html> body)
    {
        SecurityHeaders.Apply(context.Response);
        h.Doctype();
        using var html = h.Block("html", ("lang", "en"));
        using (h.Block("head"))
        {
            h.Void("meta", ("charset", "utf-8"));
            h.Void("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"));
            h.Void("meta", ("name", "color-scheme"), ("content", "light dark"));
            h.Element("title", $"{title} · CacheRegistry");
            h.Void("link", ("rel", "stylesheet"), ("href", Assets.Url("dashboard.css")));
            h.Void("link", ("rel", "icon"), ("href", Assets.Url("favicon.svg")), ("type", "image/svg+xml"));
            h.Open("script", ("src", Assets.Url("dashboard.js")), ("defer", "")).Close("script");
        }
        using (h.Block("body"))
        {
            Header(h, context, section, viewer, withForms);
            using (h.Block("main", ("id", "main")))
            {
                body(h);
            }
            using (h.Block("footer"))
            {
                h.Text($"CacheRegistry {Version} · ");
                h.Element("a", "health", ("href", "/healthz"));
                h.Text(" · ");
                h.Element("a", "readiness", ("href", "/readyz"));
                h.Text(" · ");
                h.Element("a", "metrics", ("href", "/metrics"));
                h.Text(" · times in UTC");
            }
        }
    }

    private static void Header(Html h, HttpContext context, string section, Viewer viewer, bool withForms)
    {
        using var header = h.Block("header", ("class", "top"));
        h.Element("a", "CacheRegistry", ("class", "brand"), ("href", "/"));
        using (h.Block("nav", ("aria-label", "sections")))
        {
            NavLink(h, "Overview", "/", section == "overview");
            NavLink(h, "Artifacts", "/artifacts", section == "artifacts");
            if (viewer.IsOperator && viewer.AuthEnabled) NavLink(h, "Tokens", "/dashboard/tokens", section == "tokens");
            if (viewer.IsOperator) NavLink(h, "Audit log", "/dashboard/audit", section == "audit");
        }
        using (h.Block("div", ("class", "who")))
        {
            if (!viewer.AuthEnabled)
            {
                h.Element("span", "Auth is off: everything is visible to anyone who can reach this server", ("class", "badge warn"), ("id", "auth-off"));
                return;
            }
            if (!viewer.IsSignedIn)
            {
                h.Element("a", "Sign in", ("href", "/dashboard/signin"));
                return;
            }
            h.Text("Signed in as ");
            h.Element("strong", viewer.Name, ("id", "signed-in-as"));
            h.Element("span", viewer.IsOperator ? "operator" : string.Join(" ", viewer.Scopes), ("class", "badge"));
            if (!withForms) return;
            using (h.Block("form", ("method", "post"), ("action", "/dashboard/signout"), ("class", "inline")))
            {
                Forms.Antiforgery(h, context);
                h.Element("button", "Sign out", ("type", "submit"), ("class", "link"));
            }
        }
    }

    private static void NavLink(Html h, string text, string href, bool current) =>
        h.Element("a", text, ("href", href), ("aria-current", current ? "page" : null));
}

/// <summary>What forms need: the antiforgery token every state-changing action requires.</summary>
public static class Forms
{
    public const string AntiforgeryField = "__csrf";

    public static void Antiforgery(Html h, HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        h.Void("input", ("type", "hidden"), ("name", tokens.FormFieldName), ("value", tokens.RequestToken));
    }
}
