using System.Text.Json;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Http.Authorization;

namespace CacheRegistry.Server.Protocols.Turborepo;

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
        turbo.MapGet("/status", () => Results.Ok(new { status = "enabled" })).RequireRead();
        turbo.MapMethods("/{hash}", [HttpMethods.Get, HttpMethods.Head], GetArtifactAsync).RequireRead();
        turbo.MapPut("/{hash}", PutArtifactAsync).RequireWrite();
        turbo.MapPost("", QueryArtifactsAsync).WithMetadata(ReadOnlyRequest.Instance).RequireRead();
        turbo.MapPost("/events", (Delegate)RecordEventsAsync).WithMetadata(ReadOnlyRequest.Instance).RequireRead();
    }

    private static async Task GetArtifactAsync(HttpContext context, string hash, RequestScope scope, EntryRequests requests)
    {
        var entry = await requests.FindAsync(context, Address(scope, hash));
        foreach (var (name, value) in entry?.Metadata ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        await requests.WriteAsync(context, entry);
    }

    private static async Task<IResult> PutArtifactAsync(HttpContext context, string hash, RequestScope scope, EntryRequests requests)
    {
        var address = Address(scope, hash);
        await requests.PutAsync(context, address, EntryWriteMode.Overwrite, ArtifactHeaders(context.Request));
        return Results.Accepted(value: new { urls = new[] { $"{address.Namespace}/{address.Key}" } });
    }

    private static async Task<IResult> QueryArtifactsAsync(HttpContext context, RequestScope scope, EntryStore entries)
    {
        var query = await JsonBody.ReadAsync<ArtifactQuery>(context);
        if (query?.Hashes is null) throw CacheRequestException.BadRequest("expected {\"hashes\": [...]}");
        if (query.Hashes.Count > MaxQueryHashes) throw CacheRequestException.BadRequest($"at most {MaxQueryHashes} hashes per query");

        var keys = query.Hashes.Select(h => RouteValues.OpaqueKey(h, "artifact hash")).Distinct(StringComparer.Ordinal).ToList();
        var found = await entries.FindManyAsync(scope.RequiredNamespace, EntryKind.Turborepo, keys, context.RequestAborted);
        return new ArtifactsAnswer(keys, found);
    }

    /// <summary>Each hash asked for: its size, task duration and tag when present, null otherwise; written straight to the response.</summary>
    private sealed class ArtifactsAnswer(IReadOnlyCollection<string> hashes, IReadOnlyDictionary<string, PresentEntry> found) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
            {
                Write(json);
            }
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }

        private void Write(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            foreach (var hash in hashes)
            {
                if (!found.TryGetValue(hash, out var entry))
                {
                    json.WriteNull(hash);
                    continue;
                }
                json.WriteStartObject(hash);
                json.WriteNumber("size", entry.Size);
                json.WriteNumber("taskDurationMs", Duration(entry.Metadata));
                if (entry.Metadata.GetValueOrDefault("x-artifact-tag") is { } tag) json.WriteString("tag", tag);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
    }

    // Turborepo reports local and remote hits and misses; the server counts its own, so these are read and dropped.
    private static async Task<IResult> RecordEventsAsync(HttpContext context)
    {
        await JsonBody.ReadAsync<System.Text.Json.JsonElement>(context);
        return Results.Ok();
    }

    private static EntryAddress Address(RequestScope scope, string hash) =>
        new(scope.RequiredNamespace, EntryKind.Turborepo, RouteValues.OpaqueKey(hash, "artifact hash"));

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

    private static long Duration(IReadOnlyDictionary<string, string> metadata) =>
        long.TryParse(metadata.GetValueOrDefault("x-artifact-duration"), out var ms) ? ms : 0;

    private sealed record ArtifactQuery(IReadOnlyList<string>? Hashes);
}
