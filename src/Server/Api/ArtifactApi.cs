using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Artifacts;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Api;

/// <summary>The artifact registry API (<c>/api/v1/artifacts</c>) and resumable uploads (<c>/api/v1/uploads</c>), per namespace.</summary>
public static class ArtifactApi
{
    private const int MaxPageSize = 500;

    public static void MapArtifactApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ApiRoutes.Artifacts, async (HttpContext context, string? search, int? page, int? pageSize, RequestScope scope, ArtifactRegistry registry) =>
            Results.Ok(await registry.ListArtifactsAsync(scope.RequiredNamespace, search, PageOf(page), SizeOf(pageSize), context.RequestAborted))).RequireRead();
        routes.MapGet(ApiRoutes.ArtifactVersions, async (HttpContext context, string name, int? page, int? pageSize, RequestScope scope, ArtifactRegistry registry) =>
            Results.Ok(await registry.ListVersionsAsync(scope.RequiredNamespace, Name(name), PageOf(page), SizeOf(pageSize), context.RequestAborted))).RequireRead();
        routes.MapGet(ApiRoutes.ArtifactVersion, async (HttpContext context, string name, string version, RequestScope scope, ArtifactRegistry registry) =>
            await registry.GetAsync(scope.RequiredNamespace, Name(name), version, context.RequestAborted) is { } info
                ? Results.Ok(info) : Results.NotFound(new ProblemBody("Not Found", 404, $"{name}@{version} does not exist"))).RequireRead();
        routes.MapPut(ApiRoutes.ArtifactVersion, PublishAsync).RequireWrite();
        routes.MapPut(ApiRoutes.ArtifactYank, async (HttpContext context, string name, string version, RequestScope scope, ArtifactRegistry registry) =>
        {
            var request = await JsonBody.ReadAsync<YankRequest>(context);
            if (request?.Yanked is not { } yanked) throw CacheRequestException.BadRequest("expected {\"yanked\": true} or {\"yanked\": false}");
            return await registry.SetYankedAsync(scope.RequiredNamespace, Name(name), version, yanked, context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        }).RequireWrite();
        routes.MapDelete(ApiRoutes.ArtifactVersion, async (HttpContext context, string name, string version, RequestScope scope, ArtifactRegistry registry) =>
            await registry.DeleteVersionAsync(scope.RequiredNamespace, Name(name), version, context.RequestAborted) ? Results.NoContent() : Results.NotFound()).RequireDelete();
        routes.MapGet(ApiRoutes.ArtifactResolve, async (HttpContext context, string name, string? spec, bool? prerelease, RequestScope scope, ArtifactRegistry registry) =>
        {
            if (string.IsNullOrWhiteSpace(spec)) throw CacheRequestException.BadRequest("give ?spec=<range or tag>");
            return await registry.ResolveAsync(scope.RequiredNamespace, Name(name), spec.Trim(), prerelease ?? false, context.RequestAborted) is { } info
                ? Results.Ok(info) : Results.NotFound(new ProblemBody("Not Found", 404, $"no version of {name} matches '{spec}'"));
        }).RequireRead();
        routes.MapPut(ApiRoutes.ArtifactTag, async (HttpContext context, string name, string tag, RequestScope scope, ArtifactRegistry registry) =>
        {
            var request = await JsonBody.ReadAsync<TagRequest>(context);
            if (string.IsNullOrEmpty(request?.Version)) throw CacheRequestException.BadRequest("expected {\"version\": \"...\"}");
            await registry.SetTagAsync(scope.RequiredNamespace, Name(name), tag, request.Version, context.RequestAborted);
            return Results.NoContent();
        }).RequireWrite();
        routes.MapDelete(ApiRoutes.ArtifactTag, async (HttpContext context, string name, string tag, RequestScope scope, ArtifactRegistry registry) =>
            await registry.DeleteTagAsync(scope.RequiredNamespace, Name(name), tag, context.RequestAborted) ? Results.NoContent() : Results.NotFound()).RequireWrite();

        routes.MapPost(ApiRoutes.Uploads, async (HttpContext context, RequestScope scope, UploadSessions sessions) =>
            Results.Ok(await sessions.StartAsync(scope.RequiredNamespace, context.RequestAborted))).RequireWrite();
        routes.MapGet(ApiRoutes.Upload, async (HttpContext context, string id, RequestScope scope, UploadSessions sessions) =>
            Results.Ok(await sessions.GetAsync(scope.RequiredNamespace, id, context.RequestAborted))).RequireWrite();
        routes.MapPut(ApiRoutes.UploadPart, async (HttpContext context, string id, int number, RequestScope scope, UploadSessions sessions) =>
        {
            await using var body = Observability.WireBytes.Incoming(context);
            return Results.Ok(await sessions.PutPartAsync(scope.RequiredNamespace, id, number, body, context.RequestAborted));
        }).RequireWrite();
        routes.MapPost(ApiRoutes.UploadComplete, async (HttpContext context, string id, RequestScope scope, UploadSessions sessions) =>
        {
            var request = await JsonBody.ReadAsync<CompleteUploadRequest>(context);
            if (string.IsNullOrEmpty(request?.Digest)) throw CacheRequestException.BadRequest("expected {\"digest\": \"<sha256>\"}");
            await sessions.CompleteAsync(scope.RequiredNamespace, id, RouteValues.Digest(request.Digest), context.RequestAborted);
            return Results.StatusCode(StatusCodes.Status201Created);
        }).RequireWrite();
        routes.MapDelete(ApiRoutes.Upload, async (HttpContext context, string id, RequestScope scope, UploadSessions sessions) =>
        {
            await sessions.AbortAsync(scope.RequiredNamespace, id, context.RequestAborted);
            return Results.NoContent();
        }).RequireWrite();
    }

    private static async Task<IResult> PublishAsync(HttpContext context, string name, string version, RequestScope scope, ArtifactRegistry registry)
    {
        var request = await JsonBody.ReadAsync<PublishRequest>(context) ?? throw CacheRequestException.BadRequest("expected a publish request");
        var (created, info) = await registry.PublishAsync(scope.RequiredNamespace, Name(name), version, request, Caller.ActorOf(context.User), context.RequestAborted);
        return created ? Results.Created($"/api/v1/artifacts/{info.Name}/versions/{info.Version}", info) : Results.Ok(info);
    }

    private static string Name(string name) =>
        ArtifactReference.IsValidName(name) ? name : throw CacheRequestException.BadRequest("artifact names are 1-100 of [a-z0-9._-], starting with a letter or digit");

    private static int PageOf(int? page) => Math.Max(page ?? 1, 1);

    private static int SizeOf(int? size) => Math.Clamp(size ?? 50, 1, MaxPageSize);
}
