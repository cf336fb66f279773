using System.Collections.Frozen;
using System.Security.Cryptography;

namespace CacheRegistry.Server.Dashboard;

/// <summary>
/// The dashboard's stylesheet, script and icon, embedded in the server (no CDN: it works offline). URLs
/// carry a hash of the content, so browsers may keep a file for good and still see a new release's.
/// </summary>
public static class Assets
{
    private static readonly FrozenDictionary<string, Asset> Files = Load();

    public static string Url(string file) => $"/dashboard/assets/{file}?v={Files[file].Version}";

    public static IResult Serve(HttpContext context, string file)
    {
        if (!Files.TryGetValue(file, out var asset)) return Results.NotFound();
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = context.Request.Query["v"] == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        headers.ETag = $"\"{asset.Version}\"";
        if (context.Request.Headers.IfNoneMatch == headers.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(Assets).Assembly;
        var files = new Dictionary<string, Asset>();
        foreach (var (file, type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8"), ("favicon.svg", "image/svg+xml") })
        {
            using var stream = assembly.GetManifestResourceStream($"dashboard/{file}") ?? throw new InvalidOperationException($"the dashboard asset {file} is not embedded");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            files[file] = new Asset(content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..12]);
        }
        return files.ToFrozenDictionary();
    }

    private sealed record Asset(byte[] Content, string ContentType, string Version);
}
