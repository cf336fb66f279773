using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// Gradle's HTTP build cache: <c>GET|PUT /cache/{key}</c>, also under <c>/{namespace}/</c>. A miss is 404,
/// a stored entry any 2xx, an entry over the size limit 413 (Gradle then carries on without storing it).
/// </summary>
public static class GradleBuildCache
{
    public static void MapGradleBuildCache(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/cache/{key}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string key, EntryRequests requests) => requests.GetAsync(context, Address(context, key)));
        routes.MapPut("/cache/{key}", async (HttpContext context, string key, EntryRequests requests) =>
        {
            var created = await requests.PutAsync(context, Address(context, key), EntryWriteMode.Overwrite);
            return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
        });
    }

    private static EntryAddress Address(HttpContext context, string key) =>
        new(RouteValues.Namespace(context), EntryKind.Gradle, RouteValues.OpaqueKey(key, "Gradle cache key"));
}
