using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Protocols.Gradle;

/// <summary>
/// Gradle's HTTP build cache: <c>GET|PUT /cache/{key}</c>, also under <c>/{namespace}/</c>. A miss is 404,
/// a stored entry any 2xx, an entry over the size limit 413 (Gradle then carries on without storing it).
/// </summary>
public static class GradleBuildCache
{
    public static void MapGradleBuildCache(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/cache/{key}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string key, RequestScope scope, EntryRequests requests) => requests.GetAsync(context, Address(scope, key))).RequireRead();
        routes.MapPut("/cache/{key}", async (HttpContext context, string key, RequestScope scope, EntryRequests requests) =>
        {
            var created = await requests.PutAsync(context, Address(scope, key), EntryWriteMode.Overwrite);
            return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
        }).RequireWrite();
    }

    private static EntryAddress Address(RequestScope scope, string key) =>
        new(scope.RequiredNamespace, EntryKind.Gradle, RouteValues.OpaqueKey(key, "Gradle cache key"));
}
