using CacheRegistry.Common.Api;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Gc;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Protocols;

/// <summary>Operator routes for storage (<c>/api/v1/admin</c>): statistics, a GC pass on demand, deleting by hand. Needs <c>*:admin</c>.</summary>
public static class OperatorApi
{
    public static void MapOperatorApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/v1/admin");
        admin.MapPost("/gc", async (HttpContext context, NamespaceAuthorizer access, GarbageCollector collector) =>
        {
            access.AuthorizeOperator(context);
            return Results.Ok(await collector.RunPassAsync(context.RequestAborted));
        });
        admin.MapGet("/stats", StatsAsync);
        admin.MapDelete("/namespaces/{name}", async (HttpContext context, string name, NamespaceAuthorizer access, NamespaceDeletion deletion) =>
        {
            access.AuthorizeOperator(context);
            var report = await deletion.DeleteAsync(RouteValues.NamespaceOrDefault(name), context.RequestAborted);
            return report is null
                ? Results.NotFound(new ProblemBody("Not Found", 404, $"namespace {name} holds nothing"))
                : Results.Ok(new { blobs = report.Blobs, entries = report.Entries, deletedObjects = report.DeletedObjects });
        });
    }

    /// <summary>Routes acting on one namespace's content; mapped with and without the namespace prefix.</summary>
    public static void MapOperatorNamespaceRoutes(this IEndpointRouteBuilder routes)
    {
        // Removes a blob from the namespace, with every entry that uses it.
        routes.MapDelete("/api/v1/cas/{digest}", async (HttpContext context, string digest, NamespaceAuthorizer access, BlobRemover remover) =>
        {
            var ns = RouteValues.Namespace(context);
            access.Authorize(context, ns, CachePermission.Delete);
            return await remover.RemoveByHandAsync(ns, RouteValues.Digest(digest), context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        });
        routes.MapDelete("/api/v1/entries/{kind}/{**key}", async (HttpContext context, string kind, string key, NamespaceAuthorizer access, EntryStore entries) =>
        {
            var ns = RouteValues.Namespace(context);
            access.Authorize(context, ns, CachePermission.Delete);
            if (!EntryAddress.TryParseProtocol(kind, out var entryKind)) throw CacheRequestException.BadRequest("kind is one of ac, ccache, turborepo, nx, gradle");
            var address = new EntryAddress(ns, entryKind, entryKind switch
            {
                EntryKind.Ccache => RouteValues.OpaquePath(key),
                EntryKind.Action => RouteValues.Digest(key).Hex,
                _ => RouteValues.OpaqueKey(key),
            });
            return await entries.DeleteAsync(address, context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        });
    }

    private static async Task<IResult> StatsAsync(HttpContext context, string? @namespace, int? top, NamespaceAuthorizer access, UsageCatalog usage, CacheStatistics statistics)
    {
        access.AuthorizeOperator(context);
        var count = Math.Clamp(top ?? 10, 1, 100);
        NamespaceName? ns = string.IsNullOrEmpty(@namespace) ? null : RouteValues.NamespaceOrDefault(@namespace);
        var namespaces = await usage.PerNamespaceAsync(ns, context.RequestAborted);
        var (largest, mostHit, oldest) = await usage.TopBlobsAsync(ns, count, context.RequestAborted);
        var protocols = statistics.Snapshot().Where(s => ns is null || s.Namespace == ns.Value.Value).ToList();
        return Results.Ok(new StorageStats(namespaces, protocols, largest, mostHit, oldest));
    }
}
