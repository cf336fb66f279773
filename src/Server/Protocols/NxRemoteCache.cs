using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Protocols;

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
            (HttpContext context, string hash, EntryRequests requests) => requests.GetAsync(context, Address(context, hash)));
        nx.MapPut("/{hash}", async (HttpContext context, string hash, EntryRequests requests) =>
        {
            if (context.Request.ContentLength is null) throw CacheRequestException.BadRequest("missing Content-Length header");
            await requests.PutAsync(context, Address(context, hash), EntryWriteMode.CreateOnly);
            return Results.Ok();
        });
    }

    private static EntryAddress Address(HttpContext context, string hash) =>
        new(RouteValues.Namespace(context), EntryKind.Nx, RouteValues.OpaqueKey(hash, "Nx hash"));
}
