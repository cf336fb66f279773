using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Grpc.ActionResults;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols.Bazel;

/// <summary>
/// Bazel's HTTP remote cache, which is also CacheRegistry's own blob API: <c>/cas/{sha256}</c> for
/// content-addressed blobs (verified on upload) and <c>/ac/{sha256}</c> for action results, each with
/// GET, HEAD and PUT, also under a <c>/{namespace}/</c> prefix (Bazel's instance name).
/// </summary>
public static class BazelHttpCache
{
    public static void MapBazelHttpCache(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/cas/{digest}", [HttpMethods.Get, HttpMethods.Head], GetBlobAsync).RequireRead();
        routes.MapPut("/cas/{digest}", PutBlobAsync).RequireWrite();
        routes.MapMethods("/ac/{key}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string key, RequestScope scope, EntryRequests requests) => requests.GetAsync(context, Address(scope, key))).RequireRead();
        routes.MapPut("/ac/{key}", async (HttpContext context, string key, RequestScope scope, EntryRequests requests, HttpActionResultUpload upload) =>
        {
            var address = Address(scope, key);
            // An ActionResult also needs what its output directories' trees name, as over REAPI.
            var (body, treeBlobs) = await upload.ReadAsync(context.Request, scope.RequiredNamespace, context.RequestAborted);
            await requests.PutAsync(context, address, EntryWriteMode.Overwrite, body: body, extraReferences: treeBlobs);
            return Results.Ok();
        }).RequireWrite();
    }

    private static async Task GetBlobAsync(HttpContext context, string digest, RequestScope scope, ContentStore cas, BlobReader reader)
    {
        // HEAD is a "do you have it": it counts as use (eviction's grace), not as a hit.
        var blob = HttpMethods.IsHead(context.Request.Method)
            ? await cas.CheckPresenceAsync(scope.RequiredNamespace, RouteValues.Digest(digest), context.RequestAborted)
            : await cas.FindAsync(scope.RequiredNamespace, RouteValues.Digest(digest), context.RequestAborted);
        await HttpEncoding.WriteBlobOrNotFoundAsync(context, blob, reader);
    }

    private static async Task<IResult> PutBlobAsync(HttpContext context, string digest, RequestScope scope, ContentStore cas, IOptions<CacheLimitsOptions> limits)
    {
        var expected = RouteValues.Digest(digest);
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxBlobBytes);
        await using var body = Observability.WireBytes.Incoming(context);
        var created = await cas.PutAsync(scope.RequiredNamespace, expected, body, HttpEncoding.UploadEncodingOf(context.Request), context.RequestAborted);
        return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
    }

    private static EntryAddress Address(RequestScope scope, string key) => EntryAddress.Action(scope.RequiredNamespace, RouteValues.Digest(key, "action key"));
}
