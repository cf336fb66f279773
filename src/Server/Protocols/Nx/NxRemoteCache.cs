using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Protocols.Nx;

/// <summary>
/// Nx's self-hosted remote cache API: <c>GET|PUT /v1/cache/{hash}</c>, also under <c>/{namespace}/</c>.
/// As its specification requires: PUT needs a Content-Length (400 otherwise) and never replaces an
/// existing record (409); errors are plain text, which Nx shows to its user.
/// </summary>
public static class NxRemoteCache
{
    public static void MapNxRemoteCache(this IEndpointRouteBuilder routes)
    {
        var nx = routes.MapGroup("/v1/cache").WithMetadata(PlainTextErrors.Instance);
        nx.MapMethods("/{hash}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string hash, RequestScope scope, EntryRequests requests) => requests.GetAsync(context, Address(scope, hash))).RequireRead();
        nx.MapPut("/{hash}", async (HttpContext context, string hash, RequestScope scope, EntryRequests requests) =>
        {
            if (context.Request.ContentLength is null) throw CacheRequestException.BadRequest("missing Content-Length header");
            await requests.PutAsync(context, Address(scope, hash), EntryWriteMode.CreateOnly);
            return Results.Ok();
        }).RequireWrite();
    }

    private static EntryAddress Address(RequestScope scope, string hash) =>
        new(scope.RequiredNamespace, EntryKind.Nx, RouteValues.OpaqueKey(hash, "Nx hash"));
}
