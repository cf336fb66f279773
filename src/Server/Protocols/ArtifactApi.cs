using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Core.Artifacts;

namespace CacheRegistry.Server.Protocols;

/// <summary>The artifact registry API (<c>/api/v1/artifacts</c>) and resumable uploads (<c>/api/v1/uploads</c>), per namespace.</summary>
public static class ArtifactApi
{
    private const int MaxPageSize = 500;

    public static void MapArtifactApi(this IEndpointRouteBuilder routes)
    {
        var artifacts = routes.MapGroup("/api/v1/artifacts");
        artifacts.MapGet("", async (HttpContext context, string? search, int? page, int? pageSize, NamespaceAuthorizer access, ArtifactRegistry registry) =>
            Results.Ok(await registry.ListArtifactsAsync(Authorize(context, access, CachePermission.Read), search, PageOf(page), SizeOf(pageSize), context.RequestAborted)));
        artifacts.MapGet("/{name}/versions", async (HttpContext context, string name, int? page, int? pageSize, NamespaceAuthorizer access, ArtifactRegistry registry) =>
            Results.Ok(await registry.ListVersionsAsync(Authorize(context, access, CachePermission.Read), Name(name), PageOf(page), SizeOf(pageSize), context.RequestAborted)));
        artifacts.MapGet("/{name}/versions/{version}", async (HttpContext context, string name, string version, NamespaceAuthorizer access, ArtifactRegistry registry) =>
            await registry.GetAsync(Authorize(context, access, CachePermission.Read), Name(name), version, context.RequestAborted) is { } info
                ? Results.Ok(info) : Results.NotFound(new ProblemBody("Not Found", 404, $"{name}@{version} does not exist")));
        artifacts.MapPut("/{name}/versions/{version}", PublishAsync);
        artifacts.MapPut("/{name}/versions/{version}/yank", async (HttpContext context, string name, string version, NamespaceAuthorizer access, ArtifactRegistry registry) =>
        {
            var ns = Authorize(context, access, CachePermission.Write);
            var request = await JsonBody.ReadAsync<YankRequest>(context) ?? throw CacheRequestException.BadRequest("expected {\"yanked\": true|false}");
            return await registry.SetYankedAsync(ns, Name(name), version, request.Yanked, context.RequestAborted) ? Results.NoContent() : Results.NotFound();
        });
        artifacts.MapDelete("/{name}/versions/{version}", async (HttpContext context, string name, string version, NamespaceAuthorizer access, ArtifactRegistry registry) =>
            await registry.DeleteVersionAsync(Authorize(context, access, CachePermission.Delete), Name(name), version, context.RequestAborted) ? Results.NoContent() : Results.NotFound());
        artifacts.MapGet("/{name}/resolve", async (HttpContext context, string name, string? spec, bool? prerelease, NamespaceAuthorizer access, ArtifactRegistry registry) =>
        {
            var ns = Authorize(context, access, CachePermission.Read);
            if (string.IsNullOrWhiteSpace(spec)) throw CacheRequestException.BadRequest("give ?spec=<range or tag>");
            return await registry.ResolveAsync(ns, Name(name), spec.Trim(), prerelease ?? false, context.RequestAborted) is { } info
                ? Results.Ok(info) : Results.NotFound(new ProblemBody("Not Found", 404, $"no version of {name} matches '{spec}'"));
        });
        artifacts.MapPut("/{name}/tags/{tag}", async (HttpContext context, string name, string tag, NamespaceAuthorizer access, ArtifactRegistry registry) =>
        {
            var ns = Authorize(context, access, CachePermission.Write);
            var request = await JsonBody.ReadAsync<TagRequest>(context) ?? throw CacheRequestException.BadRequest("expected {\"version\": \"...\"}");
            await registry.SetTagAsync(ns, Name(name), tag, request.Version, context.RequestAborted);
            return Results.NoContent();
        });
        artifacts.MapDelete("/{name}/tags/{tag}", async (HttpContext context, string name, string tag, NamespaceAuthorizer access, ArtifactRegistry registry) =>
            await registry.DeleteTagAsync(Authorize(context, access, CachePermission.Write), Name(name), tag, context.RequestAborted) ? Results.NoContent() : Results.NotFound());

        var uploads = routes.MapGroup("/api/v1/uploads");
        uploads.MapPost("", async (HttpContext context, NamespaceAuthorizer access, UploadSessions sessions) =>
            Results.Ok(await sessions.StartAsync(Authorize(context, access, CachePermission.Write), context.RequestAborted)));
        uploads.MapGet("/{id}", async (HttpContext context, string id, NamespaceAuthorizer access, UploadSessions sessions) =>
            Results.Ok(await sessions.GetAsync(Authorize(context, access, CachePermission.Write), id, context.RequestAborted)));
        uploads.MapPut("/{id}/parts/{number:int}", async (HttpContext context, string id, int number, NamespaceAuthorizer access, UploadSessions sessions) =>
            Results.Ok(await sessions.PutPartAsync(Authorize(context, access, CachePermission.Write), id, number, context.Request.Body, context.RequestAborted)));
        uploads.MapPost("/{id}/complete", async (HttpContext context, string id, NamespaceAuthorizer access, UploadSessions sessions) =>
        {
            var ns = Authorize(context, access, CachePermission.Write);
            var request = await JsonBody.ReadAsync<CompleteUploadRequest>(context) ?? throw CacheRequestException.BadRequest("expected {\"digest\": \"<sha256>\"}");
            await sessions.CompleteAsync(ns, id, RouteValues.Digest(request.Digest), context.RequestAborted);
            return Results.StatusCode(StatusCodes.Status201Created);
        });
        uploads.MapDelete("/{id}", async (HttpContext context, string id, NamespaceAuthorizer access, UploadSessions sessions) =>
        {
            await sessions.AbortAsync(Authorize(context, access, CachePermission.Write), id, context.RequestAborted);
            return Results.NoContent();
        });
    }

    private static async Task<IResult> PublishAsync(HttpContext context, string name, string version, NamespaceAuthorizer access, ArtifactRegistry registry)
    {
        var ns = Authorize(context, access, CachePermission.Write);
        var request = await JsonBody.ReadAsync<PublishRequest>(context) ?? throw CacheRequestException.BadRequest("expected a publish request");
        var (created, info) = await registry.PublishAsync(ns, Name(name), version, request, NamespaceAuthorizer.ActorOf(context), context.RequestAborted);
        return created ? Results.Created($"/api/v1/artifacts/{info.Name}/versions/{info.Version}", info) : Results.Ok(info);
    }

    private static NamespaceName Authorize(HttpContext context, NamespaceAuthorizer access, CachePermission permission)
    {
        var ns = RouteValues.Namespace(context);
        access.Authorize(context, ns, permission);
        return ns;
    }

    private static string Name(string name) =>
        ArtifactReference.IsValidName(name) ? name : throw CacheRequestException.BadRequest("artifact names are 1-100 of [a-z0-9._-], starting with a letter or digit");

    private static int PageOf(int? page) => Math.Max(page ?? 1, 1);

    private static int SizeOf(int? size) => Math.Clamp(size ?? 50, 1, MaxPageSize);
}
