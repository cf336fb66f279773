using CacheRegistry.Common.Api;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Gc;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Api;

/// <summary>Operator routes for storage (<c>/api/v1/admin</c>): statistics, a GC pass on demand, deleting a namespace. Needs <c>*:admin</c>.</summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ApiRoutes.AdminGc, async (HttpContext context, GarbageCollector collector) =>
            Results.Ok(await collector.RunPassAsync(context.RequestAborted))).RequireOperator();
        routes.MapGet(ApiRoutes.AdminStats, StatsAsync).RequireOperator();
        routes.MapDelete(ApiRoutes.AdminNamespace, async (HttpContext context, string name, NamespaceDeletion deletion) =>
        {
            var report = await deletion.DeleteAsync(RouteValues.NamespaceOrDefault(name), context.RequestAborted);
            return report is null
                ? Results.NotFound(new ProblemBody("Not Found", 404, $"namespace {name} holds nothing"))
                : Results.Ok(new { blobs = report.Blobs, entries = report.Entries, deletedObjects = report.DeletedObjects });
        }).RequireOperator();
    }

    private static async Task<IResult> StatsAsync(HttpContext context, string? @namespace, int? top, UsageCatalog usage, CacheStatistics statistics)
    {
        var count = Math.Clamp(top ?? 10, 1, 100);
        NamespaceName? ns = string.IsNullOrEmpty(@namespace) ? null : RouteValues.NamespaceOrDefault(@namespace);
        var namespaces = await usage.PerNamespaceAsync(ns, context.RequestAborted);
        var (largest, mostHit, oldest) = await usage.TopBlobsAsync(ns, count, context.RequestAborted);
        var protocols = statistics.Snapshot().Where(s => ns is null || s.Namespace == ns.Value.Value).ToList();
        return Results.Ok(new StorageStats(namespaces, protocols, largest, mostHit, oldest));
    }
}
