using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Protocols.Ccache;

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
            (HttpContext context, string? path, RequestScope scope, EntryRequests requests) => requests.GetAsync(context, Address(scope, path))).RequireRead();
        routes.MapPut("/ccache/{**path}", async (HttpContext context, string? path, RequestScope scope, EntryRequests requests) =>
        {
            await requests.PutAsync(context, Address(scope, path), EntryWriteMode.Overwrite);
            return Results.Ok();
        }).RequireWrite();
        routes.MapDelete("/ccache/{**path}", async (HttpContext context, string? path, RequestScope scope, EntryRequests requests) =>
            await requests.DeleteAsync(context, Address(scope, path)) ? Results.Ok() : Results.NotFound()).RequireDelete();
    }

    private static EntryAddress Address(RequestScope scope, string? path) =>
        new(scope.RequiredNamespace, EntryKind.Ccache, RouteValues.OpaquePath(path, "ccache key"));
}
