using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core;

namespace CacheRegistry.Server.Protocols;

/// <summary>Turns route text into validated values; anything malformed is a 400 before it is used.</summary>
public static class RouteValues
{
    /// <summary>The optional "{ns}" prefix segment; routes without it use the default namespace.</summary>
    public static NamespaceName Namespace(HttpContext context)
    {
        var text = context.GetRouteValue("ns") as string;
        if (text is null) return NamespaceName.Default;
        return NamespaceName.TryParse(text, out var ns)
            ? ns
            : throw CacheRequestException.BadRequest("invalid namespace: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    public static Sha256Digest Digest(string? text, string what = "digest") =>
        Sha256Digest.TryParse(text, out var digest)
            ? digest
            : throw CacheRequestException.BadRequest($"invalid {what}: expected 64 lowercase hexadecimal characters");
}
