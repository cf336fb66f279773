namespace CacheRegistry.Server.Dashboard.SignIn;

/// <summary>
/// On dashboard endpoints only, presents the token held by the session cookie as the request's bearer
/// token, before authentication runs: the cookie is just how a browser carries the token, and
/// everything after (validation, revocation, scopes, rate limits, the audit's actor) is what any
/// bearer request gets. The API never accepts the cookie, so no cross-site form can act with it.
/// </summary>
public sealed class SessionMiddleware(RequestDelegate next, SessionCookie cookie)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpoint>() is not null && context.Request.Headers.Authorization.Count == 0
            && cookie.TokenOf(context) is { } token)
        {
            context.Request.Headers.Authorization = $"Bearer {token}";
        }
        return next(context);
    }
}

/// <summary>Endpoint metadata: a dashboard page or action (HTML answers, the session cookie counts).</summary>
public sealed class DashboardEndpoint
{
    public static readonly DashboardEndpoint Instance = new();
}
