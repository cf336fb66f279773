using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Dashboard.Pages;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace CacheRegistry.Server.Dashboard.SignIn;

/// <summary>
/// Every refusal or failure on a dashboard endpoint (written by the cache's one error path, with the
/// status and reason it decided) as an HTML page instead of a problem body: a 401 offers the sign-in
/// form, and asks for the bearer scheme only (a Basic challenge would make browsers prompt for a password).
/// </summary>
public sealed class ErrorPages(SessionCookie session) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context)
    {
        var endpoint = context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.HttpContext.GetEndpoint();
        return endpoint?.Metadata.GetMetadata<DashboardEndpoint>() is not null;
    }

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        var detail = context.ProblemDetails.Detail ?? "";
        var h = new Html.Html();
        var viewer = Viewer.Of(http);
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            if (SessionCookie.IsPresent(http)) session.SignOut(http); // it holds a token that was refused
            Layout.Document(h, http, "Sign in", "", viewer, withForms: false, body => SignInPage.Form(body, http, detail, ReturnUrl.Of(http)));
        }
        else
        {
            var title = status switch
            {
                StatusCodes.Status403Forbidden => "Not allowed",
                StatusCodes.Status404NotFound => "Not found",
                StatusCodes.Status400BadRequest => "Bad request",
                _ => "Something went wrong",
            };
            Layout.Document(h, http, title, "", viewer, withForms: false, body =>
            {
                body.Element("h1", title);
                body.Element("p", detail, ("class", "notice"), ("id", "error-detail"));
                body.Open("p").Element("a", "Back to the overview", ("href", "/")).Close("p");
            });
        }
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(h.ToString(), http.RequestAborted);
    }
}

/// <summary>Where to go after signing in: a path on this server only (never another site).</summary>
public static class ReturnUrl
{
    public static string Of(HttpContext context) => Safe(context.Request.Path + context.Request.QueryString);

    public static string Safe(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.StartsWith("/dashboard/sign", StringComparison.Ordinal)
            ? url : "/";
}
