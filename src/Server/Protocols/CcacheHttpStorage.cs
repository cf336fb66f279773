using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// ccache's HTTP remote storage: <c>/ccache/...</c> (or <c>/{namespace}/ccache/...</c>) with GET, HEAD,
/// PUT and DELETE. Everything below <c>ccache/</c> is the entry's key, so every layout works
/// (<c>subdirs</c>: <c>45/78ks…</c>, <c>flat</c>: <c>4578ks…</c>, <c>bazel</c>: <c>ac/&lt;64 hex&gt;</c>), under any
/// further prefix the user adds to the URL.
/// </summary>
public static class CcacheHttpStorage
{
    public static void MapCcacheHttpStorage(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/ccache/{**path}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string? path, EntryRequests requests) => requests.GetAsync(context, Address(context, path)));
        routes.MapPut("/ccache/{**path}", async (HttpContext context, string? path, EntryRequests requests) =>
        {
            await requests.PutAsync(context, Address(context, path), EntryWriteMode.Overwrite);
            return Results.Ok();
        });
        routes.MapDelete("/ccache/{**path}", async (HttpContext context, string? path, EntryRequests requests) =>
            await requests.DeleteAsync(context, Address(context, path)) ? Results.Ok() : Results.NotFound());
    }

    private static EntryAddress Address(HttpContext context, string? path) =>
        new(RouteValues.Namespace(context), EntryKind.Ccache, RouteValues.OpaquePath(path, "ccache key"));
}
