using System.Security.Claims;

namespace CacheRegistry.Server.Auth;

/// <summary>Who is calling: the authenticated identity, its scopes, and why a presented token was rejected.</summary>
public static class Caller
{
    private const string FailureItem = "CacheRegistry.AuthenticationFailure";

    /// <summary>Remembers why the presented token was rejected, to say so in the 401.</summary>
    public static void RecordFailure(HttpContext context, Exception failure) => context.Items[FailureItem] = failure;

    /// <summary>Why the presented token was rejected, or null when none was presented (or it was fine).</summary>
    public static Exception? FailureOf(HttpContext context) => context.Items[FailureItem] as Exception;

    public static bool IsAuthenticated(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true;

    /// <summary>Who made the request, for the audit log.</summary>
    public static string ActorOf(ClaimsPrincipal user) =>
        IsAuthenticated(user)
            ? user.FindFirstValue("name") ?? user.FindFirstValue("sub") ?? user.FindFirstValue("jti") ?? "token"
            : "anonymous";

    public static IReadOnlyList<NamespaceScope> ScopesOf(ClaimsPrincipal user) =>
        NamespaceScope.ParseList(user.FindAll(NamespaceScope.ClaimType).Select(c => c.Value));
}
