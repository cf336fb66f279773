using System.Text.Json.Serialization;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Protocols;

/// <summary>
/// Turborepo's remote cache API (v8). The namespace is the team: <c>?slug=</c> or <c>?teamId=</c>
/// (default namespace when neither is given). The <c>x-artifact-*</c> headers sent with an artifact are
/// kept and sent back with it.
/// </summary>
public static class TurborepoRemoteCache
{
    private const string ArtifactHeaderPrefix = "x-artifact-";
    private const int MaxArtifactHeaders = 16;
    private const int MaxArtifactHeaderLength = 600;
    private const int MaxQueryHashes = 1000;

    public static void MapTurborepoRemoteCache(this IEndpointRouteBuilder routes)
    {
        var turbo = routes.MapGroup("/v8/artifacts");
        turbo.MapGet("/status", (HttpContext context, NamespaceAuthorizer access) =>
        {
            access.Authorize(context, Team(context), CachePermission.Read);
            return Results.Ok(new { status = "enabled" });
        });
        turbo.MapMethods("/{hash}", [HttpMethods.Get, HttpMethods.Head], GetArtifactAsync);
        turbo.MapPut("/{hash}", PutArtifactAsync);
        turbo.MapPost("", QueryArtifactsAsync).WithMetadata(ReadOnlyRequest.Instance);
        turbo.MapPost("/events", RecordEventsAsync).WithMetadata(ReadOnlyRequest.Instance);
    }

    private static async Task GetArtifactAsync(HttpContext context, string hash, EntryRequests requests)
    {
        var entry = await requests.FindAsync(context, Address(context, hash));
        foreach (var (name, value) in entry?.Metadata ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        await requests.WriteAsync(context, entry);
    }

    private static async Task<IResult> PutArtifactAsync(HttpContext context, string hash, EntryRequests requests)
    {
        var address = Address(context, hash);
        await requests.PutAsync(context, address, EntryWriteMode.Overwrite, ArtifactHeaders(context.Request));
        return Results.Accepted(value: new { urls = new[] { $"{address.Namespace}/{address.Key}" } });
    }

    private static async Task<IResult> QueryArtifactsAsync(HttpContext context, NamespaceAuthorizer access, EntryStore entries)
    {
        var team = Team(context);
        access.Authorize(context, team, CachePermission.Read);
        var query = await JsonBody.ReadAsync<ArtifactQuery>(context);
        if (query?.Hashes is null) throw CacheRequestException.BadRequest("expected {\"hashes\": [...]}");
        if (query.Hashes.Count > MaxQueryHashes) throw CacheRequestException.BadRequest($"at most {MaxQueryHashes} hashes per query");

        var keys = query.Hashes.Select(h => RouteValues.OpaqueKey(h, "artifact hash")).ToList();
        var found = await entries.FindManyAsync(team, EntryKind.Turborepo, keys, context.RequestAborted);
        var answer = keys.Distinct().ToDictionary(key => key, key => found.TryGetValue(key, out var entry)
            ? new ArtifactInfo(entry.Value.Size, Duration(entry), entry.Metadata.GetValueOrDefault("x-artifact-tag"))
            : null);
        return Results.Ok(answer);
    }

    // Turborepo reports local and remote hits and misses; the server counts its own, so these are read and dropped.
    private static async Task<IResult> RecordEventsAsync(HttpContext context, NamespaceAuthorizer access)
    {
        access.Authorize(context, Team(context), CachePermission.Read);
        await JsonBody.ReadAsync<System.Text.Json.JsonElement>(context);
        return Results.Ok();
    }

    private static EntryAddress Address(HttpContext context, string hash) =>
        new(Team(context), EntryKind.Turborepo, RouteValues.OpaqueKey(hash, "artifact hash"));

    private static NamespaceName Team(HttpContext context)
    {
        var query = context.Request.Query;
        var team = query["slug"].FirstOrDefault() is { Length: > 0 } slug ? slug : query["teamId"].FirstOrDefault();
        return RouteValues.NamespaceOrDefault(team);
    }

    private static Dictionary<string, string> ArtifactHeaders(HttpRequest request)
    {
        var headers = request.Headers
            .Where(h => h.Key.StartsWith(ArtifactHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (headers.Count > MaxArtifactHeaders || headers.Values.Any(v => v.Length > MaxArtifactHeaderLength))
        {
            throw CacheRequestException.BadRequest($"at most {MaxArtifactHeaders} x-artifact-* headers of {MaxArtifactHeaderLength} characters");
        }
        return headers;
    }

    private static long Duration(FoundEntry entry) =>
        long.TryParse(entry.Metadata.GetValueOrDefault("x-artifact-duration"), out var ms) ? ms : 0;

    private sealed record ArtifactQuery(IReadOnlyList<string>? Hashes);

    private sealed record ArtifactInfo(
        long Size,
        long TaskDurationMs,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag);
}
