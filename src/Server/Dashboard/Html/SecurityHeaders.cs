namespace CacheRegistry.Server.Dashboard.Html;

/// <summary>
/// The headers every dashboard answer carries: a strict Content-Security-Policy (scripts and styles only
/// from this server's own files, no inline script or style, no framing, forms only to this server),
/// and no sniffing, no referrer, no caching of pages.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (!headers.CacheControl.Any()) headers.CacheControl = "no-store";
    }
}
