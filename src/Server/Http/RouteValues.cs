using System.Buffers;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Http;

/// <summary>Turns request text into validated values; anything malformed is a 400 before it is used.</summary>
public static class RouteValues
{
    public const int MaxOpaqueKeyLength = 128;
    private const int MaxEntryKeyLength = 255;
    private const int MaxPathSegments = 8;
    private static readonly SearchValues<char> OpaqueKeyCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    // First path segments of the server's own routes: a namespace of that name could not be addressed as a prefix.
    private static readonly HashSet<string> ReservedNamespaces = new(StringComparer.OrdinalIgnoreCase)
    {
        "api", "healthz", "readyz", "metrics", "cas", "ac", "ccache", "cache", "v1", "v8", "artifacts", "dashboard",
    };

    /// <summary>The optional "{ns}" prefix segment; routes without it use the default namespace.</summary>
    public static NamespaceName Namespace(HttpContext context) => NamespaceOrDefault(context.GetRouteValue("ns") as string);

    public static NamespaceName NamespaceOrDefault(string? text)
    {
        if (string.IsNullOrEmpty(text)) return NamespaceName.Default;
        return NamespaceName.TryParse(text, out var ns) && !ReservedNamespaces.Contains(text)
            ? ns
            : throw CacheRequestException.BadRequest($"invalid namespace: use {NamespaceName.Rules}, not a name the server's routes use ({string.Join(", ", ReservedNamespaces)})");
    }

    public static Sha256Digest Digest(string? text, string what = "digest") =>
        Sha256Digest.TryParse(text, out var digest)
            ? digest
            : throw CacheRequestException.BadRequest($"invalid {what}: expected 64 lowercase hexadecimal characters");

    /// <summary>A key a protocol treats as opaque: 1–128 of [A-Za-z0-9_-].</summary>
    public static string OpaqueKey(string? text, string what = "key") =>
        IsOpaqueKey(text)
            ? text!
            : throw CacheRequestException.BadRequest($"invalid {what}: expected 1-{MaxOpaqueKeyLength} letters, digits, '_' or '-'");

    /// <summary>A key that is a path of opaque segments (ccache's layouts and the user's own prefix below the route).</summary>
    public static string OpaquePath(string? text, string what = "key")
    {
        var segments = (text ?? "").Split('/');
        if (segments.Length > MaxPathSegments || (text ?? "").Length > MaxEntryKeyLength || !segments.All(IsOpaqueKey))
        {
            throw CacheRequestException.BadRequest($"invalid {what}: expected up to {MaxPathSegments} '/'-separated parts of letters, digits, '_' or '-'");
        }
        return text!;
    }

    private static bool IsOpaqueKey(string? text) =>
        !string.IsNullOrEmpty(text) && text.Length <= MaxOpaqueKeyLength && !text.AsSpan().ContainsAnyExcept(OpaqueKeyCharacters);
}
