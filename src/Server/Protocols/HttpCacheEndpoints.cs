using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// The HTTP cache protocol: <c>/cas/{sha256}</c> for content-addressed blobs and <c>/ac/{key}</c> for
/// action entries, each with GET, HEAD and PUT, also under a <c>/{namespace}/</c> prefix. This is the
/// wire format of Bazel's HTTP remote cache.
/// </summary>
public static class HttpCacheEndpoints
{
    public static void MapHttpCache(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/cas/{digest}", [HttpMethods.Get, HttpMethods.Head], GetBlobAsync);
        routes.MapPut("/cas/{digest}", PutBlobAsync);
        routes.MapMethods("/ac/{key}", [HttpMethods.Get, HttpMethods.Head], GetActionAsync);
        routes.MapPut("/ac/{key}", PutActionAsync);
    }

    private static async Task GetBlobAsync(HttpContext context, string digest, ContentStore cas, BlobReader reader)
    {
        var blob = await cas.FindAsync(RouteValues.Namespace(context), RouteValues.Digest(digest), context.RequestAborted);
        if (blob is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await HttpEncoding.WriteBlobAsync(context, blob, reader);
    }

    private static async Task<IResult> PutBlobAsync(HttpContext context, string digest, ContentStore cas, IOptions<CacheLimitsOptions> limits)
    {
        var ns = RouteValues.Namespace(context);
        var expected = RouteValues.Digest(digest);
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxBlobBytes);
        var created = await cas.PutAsync(ns, expected, context.Request.Body, HttpEncoding.UploadEncodingOf(context.Request), context.RequestAborted);
        return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
    }

    private static async Task GetActionAsync(HttpContext context, string key, ActionCache actions, BlobReader reader)
    {
        var value = await actions.FindAsync(RouteValues.Namespace(context), RouteValues.Digest(key, "action key"), context.RequestAborted);
        if (value is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await HttpEncoding.WriteBlobAsync(context, value, reader);
    }

    private static async Task<IResult> PutActionAsync(HttpContext context, string key, ActionCache actions, IOptions<CacheLimitsOptions> limits)
    {
        var ns = RouteValues.Namespace(context);
        var actionKey = RouteValues.Digest(key, "action key");
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxActionEntryBytes);
        await actions.PutAsync(ns, actionKey, context.Request.Body, HttpEncoding.UploadEncodingOf(context.Request), context.RequestAborted);
        return Results.Ok();
    }
}
