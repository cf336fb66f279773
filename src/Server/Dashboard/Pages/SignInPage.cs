using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Dashboard.SignIn;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>Signing in by pasting a token (once: the session cookie keeps it), and signing out.</summary>
public static class SignInPage
{
    public static IResult Show(HttpContext context, string? returnUrl)
    {
        var viewer = Viewer.Of(context);
        return Layout.Page(context, "Sign in", "", h => Form(h, context, reason: viewer.AuthEnabled ? null : "Auth is off on this server: nothing needs signing in.",
            ReturnUrl.Safe(returnUrl)));
    }

    public static void Form(Html.Html h, HttpContext context, string? reason, string returnUrl)
    {
        using var panel = h.Block("section", ("class", "panel signin"));
        h.Element("h1", "Sign in");
        if (!string.IsNullOrEmpty(reason)) h.Element("p", reason, ("class", "notice"), ("id", "signin-reason"));
        h.Element("p", "Paste a token issued by this server (cache token create), the bootstrap token, or a token from the trusted OIDC issuer. " +
            "It is kept in an HttpOnly cookie for this browser and checked on every page, like any bearer token; operators see everything, " +
            "a team's token only its namespaces.", ("class", "muted"));
        using (h.Block("form", ("method", "post"), ("action", "/dashboard/signin"), ("id", "signin-form")))
        {
            Forms.Antiforgery(h, context);
            h.Void("input", ("type", "hidden"), ("name", "returnUrl"), ("value", returnUrl));
            using (h.Block("label"))
            {
                h.Text("Token");
                h.Open("textarea", ("name", "token"), ("id", "token"), ("required", ""), ("autocomplete", "off"), ("spellcheck", "false")).Close("textarea");
            }
            h.Open("p").Element("button", "Sign in", ("type", "submit"), ("class", "primary")).Close("p");
        }
    }

    public static async Task<IResult> SignInAsync(HttpContext context, SessionCookie session)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString().Trim();
        var returnUrl = ReturnUrl.Safe(form["returnUrl"]);
        if (token.Length == 0) return Layout.Page(context, "Sign in", "", h => Form(h, context, "Paste a token.", returnUrl), StatusCodes.Status400BadRequest);
        if (token.Length > 16 * 1024) return Layout.Page(context, "Sign in", "", h => Form(h, context, "That is too long to be a token.", returnUrl), StatusCodes.Status400BadRequest);
        // The next page checks the token as any request's; a refused one comes back here with the reason.
        session.SignIn(context, token);
        return Results.Redirect(returnUrl, permanent: false, preserveMethod: false);
    }

    public static IResult SignOut(HttpContext context, SessionCookie session)
    {
        session.SignOut(context);
        return Results.Redirect("/dashboard/signin");
    }
}
