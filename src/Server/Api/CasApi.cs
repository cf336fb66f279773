using CacheRegistry.Common.Api;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Api;

/// <summary>CacheRegistry's own content API: which blobs a namespace lacks, deleting blobs and entries by hand, and (for operators) what is stored for a blob.</summary>
public static class CasApi
{
    /// <summary>Routes acting on one namespace; mapped with and without the namespace prefix.</summary>
    public static void MapCasApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ApiRoutes.FindMissing, FindMissingAsync).WithMetadata(ReadOnlyRequest.Instance).RequireRead();
        // Removes a blob from the namespace, with every entry that uses it.
        routes.MapDelete(ApiRoutes.CasBlob, async (HttpContext context, string digest, RequestScope scope, BlobRemover remover) =>
            await remover.RemoveByHandAsync(scope.RequiredNamespace, RouteValues.Digest(digest), context.RequestAborted) ? Results.NoContent() : Results.NotFound())
            .RequireDelete();
        routes.MapDelete(ApiRoutes.Entry, async (HttpContext context, string protocol, string key, RequestScope scope, EntryStore entries) =>
        {
            if (!EntryAddress.TryParseProtocol(protocol, out var kind)) throw CacheRequestException.BadRequest("the protocol is one of ac, ccache, turborepo, nx, gradle");
            var address = new EntryAddress(scope.RequiredNamespace, kind, kind switch
            {
                EntryKind.Ccache => RouteValues.OpaquePath(key),
                EntryKind.Action => RouteValues.Digest(key).Hex,
                _ => RouteValues.OpaqueKey(key),
            });
            return await entries.DeleteAsync(address, context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        }).RequireDelete();
    }

    /// <summary>Operator routes that look across namespaces.</summary>
    public static void MapBlobInfoApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ApiRoutes.Blob, async (HttpContext context, string digest, BlobCatalog catalog) =>
            await catalog.DescribeAsync(RouteValues.Digest(digest), context.RequestAborted) is { } info
                ? Results.Ok(info)
                : Results.NotFound(new ProblemBody("Not Found", 404, $"no blob {digest}"))).RequireOperator();
    }

    private static async Task<IResult> FindMissingAsync(HttpContext context, RequestScope scope, ContentStore cas, IOptions<CacheLimitsOptions> limits)
    {
        var request = await JsonBody.ReadAsync<FindMissingRequest>(context);
        if (request?.Digests is null) throw CacheRequestException.BadRequest("expected {\"digests\": [\"<sha256>\", ...]}");
        if (request.Digests.Count > limits.Value.MaxFindMissingDigests)
        {
            throw CacheRequestException.BadRequest($"at most {limits.Value.MaxFindMissingDigests} digests per request");
        }
        var digests = request.Digests.Select(d => RouteValues.Digest(d)).ToList();
        var missing = await cas.FindMissingAsync(scope.RequiredNamespace, digests, context.RequestAborted);
        return Results.Ok(new FindMissingResponse(missing.Select(d => d.Hex).ToList()));
    }
}
