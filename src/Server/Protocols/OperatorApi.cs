using CacheRegistry.Common.Api;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;

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
        admin.MapDelete("/namespaces/{name}", async (HttpContext context, string name, NamespaceAuthorizer access, GarbageCollector collector) =>
        {
            access.AuthorizeOperator(context);
            var (blobs, entries, deletedObjects) = await collector.DeleteNamespaceAsync(RouteValues.NamespaceOrDefault(name), context.RequestAborted);
            return Results.Ok(new { blobs, entries, deletedObjects });
        });
    }

    /// <summary>Routes acting on one namespace's content; mapped with and without the namespace prefix.</summary>
    public static void MapOperatorNamespaceRoutes(this IEndpointRouteBuilder routes)
    {
        // Removes a blob from the namespace, with every entry that uses it.
        routes.MapDelete("/api/v1/cas/{digest}", async (HttpContext context, string digest, NamespaceAuthorizer access, GarbageCollector collector) =>
        {
            var ns = RouteValues.Namespace(context);
            access.Authorize(context, ns, CachePermission.Delete);
            return await collector.RemoveBlobAsync(ns, RouteValues.Digest(digest), context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        });
        routes.MapDelete("/api/v1/entries/{kind}/{**key}", async (HttpContext context, string kind, string key, NamespaceAuthorizer access, EntryStore entries) =>
        {
            var ns = RouteValues.Namespace(context);
            access.Authorize(context, ns, CachePermission.Delete);
            var entryKind = Enum.GetValues<EntryKind>().FirstOrDefault(k => EntryStore.ProtocolName(k) == kind, (EntryKind)(-1));
            if (!Enum.IsDefined(entryKind)) throw CacheRequestException.BadRequest("kind is one of ac, ccache, turborepo, nx, gradle");
            var address = new EntryAddress(ns, entryKind, entryKind == EntryKind.Ccache ? RouteValues.OpaquePath(key) : entryKind == EntryKind.Action ? RouteValues.Digest(key).Hex : RouteValues.OpaqueKey(key));
            return await entries.DeleteAsync(address, context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        });
    }

    private static async Task<IResult> StatsAsync(HttpContext context, string? @namespace, int? top, NamespaceAuthorizer access, IDbContextFactory<CacheDbContext> contexts, CacheStatistics statistics)
    {
        access.AuthorizeOperator(context);
        var count = Math.Clamp(top ?? 10, 1, 100);
        await using var db = await contexts.CreateDbContextAsync(context.RequestAborted);
        var visible = from visibility in db.NamespaceBlobs
                      join blob in db.Blobs on visibility.Digest equals blob.Digest
                      where @namespace == null || visibility.Namespace == @namespace
                      select new { visibility.Namespace, blob.Digest, blob.Size, blob.StoredSize, blob.HitCount, blob.LastAccessAt, blob.CreatedAt };
        var namespaces = await StorageAccounting.PerNamespaceAsync(db, @namespace, context.RequestAborted);
        var bySize = await visible.OrderByDescending(r => r.Size).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(context.RequestAborted);
        var byHits = await visible.OrderByDescending(r => r.HitCount).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(context.RequestAborted);
        var oldest = await visible.OrderBy(r => r.LastAccessAt).Take(count)
            .Select(r => new BlobStats(r.Namespace, r.Digest, r.Size, r.StoredSize, r.HitCount, r.LastAccessAt)).ToListAsync(context.RequestAborted);
        var protocols = statistics.Snapshot().Where(s => @namespace == null || s.Namespace == @namespace).ToList();
        return Results.Ok(new StorageStats(namespaces, protocols, bySize, byHits, oldest));
    }
}
