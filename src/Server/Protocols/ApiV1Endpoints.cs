using CacheRegistry.Server.Metadata;
using CacheRegistry.Common.Api;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols;

/// <summary>CacheRegistry's own API (<c>/api/v1</c>), used by its client and CLI.</summary>
public static class ApiV1Endpoints
{
    /// <summary>Routes that act on one namespace; mapped with and without the namespace prefix.</summary>
    public static void MapApiV1NamespaceRoutes(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/cas/find-missing", FindMissingAsync).WithMetadata(ReadOnlyRequest.Instance);
    }

    /// <summary>Operator routes that look across namespaces.</summary>
    public static void MapApiV1AdminRoutes(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/blobs/{digest}", DescribeBlobAsync);
    }

    private static async Task<IResult> FindMissingAsync(HttpContext context, NamespaceAuthorizer access, ContentStore cas, IOptions<CacheLimitsOptions> limits)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, CachePermission.Read);
        var request = await JsonBody.ReadAsync<FindMissingRequest>(context);
        if (request?.Digests is null) throw CacheRequestException.BadRequest("expected {\"digests\": [\"<sha256>\", ...]}");
        if (request.Digests.Count > limits.Value.MaxFindMissingDigests)
        {
            throw CacheRequestException.BadRequest($"at most {limits.Value.MaxFindMissingDigests} digests per request");
        }

        var digests = request.Digests.Select(d => RouteValues.Digest(d)).ToList();
        var missing = await cas.FindMissingAsync(ns, digests, context.RequestAborted);
        return Results.Ok(new FindMissingResponse(missing.Select(d => d.Hex).ToList()));
    }

    private static async Task<IResult> DescribeBlobAsync(HttpContext context, string digest, NamespaceAuthorizer access, BlobCatalog catalog)
    {
        access.AuthorizeOperator(context);
        var info = await catalog.DescribeAsync(RouteValues.Digest(digest), context.RequestAborted);
        return info is null ? Results.NotFound(new ProblemBody("Not Found", 404, $"no blob {digest}")) : Results.Ok(info);
    }
}
