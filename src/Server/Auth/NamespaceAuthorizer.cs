using CacheRegistry.Server.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

public enum CachePermission { Read, Write, Delete, Admin }

/// <summary>
/// The one place every route asks whether the caller may act on a namespace. Today it checks the
/// optional server-wide token; per-namespace scopes plug in here without touching the adapters.
/// </summary>
public sealed class NamespaceAuthorizer(IOptions<AuthOptions> options)
{
    public void Authorize(HttpContext context, NamespaceName ns, CachePermission permission) => Authorize(context, permission);

    /// <summary>For operator routes that are not about one namespace.</summary>
    public void Authorize(HttpContext context, CachePermission permission)
    {
        if (!options.Value.RequiresToken) return;
        if (context.User.Identity?.IsAuthenticated != true) throw new CacheRequestException(StatusCodes.Status401Unauthorized, "a valid token is required");
    }
}
