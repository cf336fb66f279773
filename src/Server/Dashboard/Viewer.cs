using System.Security.Claims;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Dashboard;

/// <summary>
/// Who is looking at a page, and what they may see: an operator (<c>*:admin</c>, or anyone while auth is
/// off) sees everything; anyone else sees the namespaces their scopes let them read, by the same rule
/// every endpoint applies.
/// </summary>
public sealed class Viewer(ClaimsPrincipal user, NamespaceAccess access)
{
    public bool AuthEnabled => access.AuthEnabled;

    public bool IsSignedIn => Caller.IsAuthenticated(user);

    public bool IsOperator => access.DecideOperator(user, null).Outcome == AccessOutcome.Allowed;

    public string Name => Caller.ActorOf(user);

    public IReadOnlyList<NamespaceScope> Scopes => Caller.ScopesOf(user);

    /// <summary>Whether the viewer may read the namespace (names that are not namespaces, like "(other)", only operators).</summary>
    public bool CanRead(string ns) =>
        NamespaceName.TryParse(ns, out var name) ? access.Decide(user, null, name, CachePermission.Read).Outcome == AccessOutcome.Allowed : IsOperator;

    public static Viewer Of(HttpContext context) => new(context.User, context.RequestServices.GetRequiredService<NamespaceAccess>());
}
