using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// Bazel's HTTP remote cache, which is also CacheRegistry's own blob API: <c>/cas/{sha256}</c> for
/// content-addressed blobs (verified on upload) and <c>/ac/{sha256}</c> for action results (stored as
/// given), each with GET, HEAD and PUT, also under a <c>/{namespace}/</c> prefix (Bazel's instance name).
/// </summary>
public static class BazelHttpCache
{
    public static void MapBazelHttpCache(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/cas/{digest}", [HttpMethods.Get, HttpMethods.Head], GetBlobAsync);
        routes.MapPut("/cas/{digest}", PutBlobAsync);
        routes.MapMethods("/ac/{key}", [HttpMethods.Get, HttpMethods.Head], GetActionAsync);
        routes.MapPut("/ac/{key}", PutActionAsync);
    }

    private static async Task GetBlobAsync(HttpContext context, string digest, NamespaceAuthorizer access, ContentStore cas, BlobReader reader)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, CachePermission.Read);
        // HEAD is a "do you have it": it counts as use (eviction's grace), not as a hit.
        var blob = HttpMethods.IsHead(context.Request.Method)
            ? await cas.CheckPresenceAsync(ns, RouteValues.Digest(digest), context.RequestAborted)
            : await cas.FindAsync(ns, RouteValues.Digest(digest), context.RequestAborted);
        await HttpEncoding.WriteBlobOrNotFoundAsync(context, blob, reader);
    }

    private static async Task<IResult> PutBlobAsync(HttpContext context, string digest, NamespaceAuthorizer access, ContentStore cas, IOptions<CacheLimitsOptions> limits)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, CachePermission.Write);
        var expected = RouteValues.Digest(digest);
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxBlobBytes);
        var created = await cas.PutAsync(ns, expected, context.Request.Body, HttpEncoding.UploadEncodingOf(context.Request), context.RequestAborted);
        return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
    }

    private static async Task GetActionAsync(HttpContext context, string key, NamespaceAuthorizer access, EntryStore entries, BlobReader reader)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, CachePermission.Read);
        var entry = await entries.FindAsync(EntryAddress.Action(ns, RouteValues.Digest(key, "action key")), context.RequestAborted);
        await HttpEncoding.WriteBlobOrNotFoundAsync(context, entry?.Value, reader);
    }

    private static async Task<IResult> PutActionAsync(HttpContext context, string key, NamespaceAuthorizer access, EntryStore entries, IOptions<CacheLimitsOptions> limits)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, CachePermission.Write);
        var address = EntryAddress.Action(ns, RouteValues.Digest(key, "action key"));
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxActionEntryBytes);
        await entries.PutAsync(address, context.Request.Body, HttpEncoding.UploadEncodingOf(context.Request), null, EntryWriteMode.Overwrite, context.RequestAborted);
        return Results.Ok();
    }
}
