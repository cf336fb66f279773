using System.Globalization;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Http;

namespace CacheRegistry.Server.Grpc.ByteStream;

/// <summary>
/// A ByteStream resource name as REAPI defines it. Reads: <c>{instance}/blobs/{hash}/{size}</c> or
/// <c>{instance}/compressed-blobs/zstd/{hash}/{size}</c>. Writes: <c>{instance}/uploads/{uuid}/</c>
/// followed by either form, then optional metadata. The instance name is the namespace (none: the
/// default namespace). Anything else is INVALID_ARGUMENT.
/// </summary>
public sealed record BlobResource(NamespaceName Namespace, string? UploadId, ReapiBlob Blob, bool Compressed)
{
    private const string Blobs = "blobs";
    private const string CompressedBlobs = "compressed-blobs";
    private const string Uploads = "uploads";
    private const string Zstd = "zstd";
    private const int MaxUploadIdLength = 128;

    // DigestFunction values other than SHA256, as REAPI spells them in resource names.
    private static readonly HashSet<string> OtherDigestFunctions = ["sha1", "md5", "vso", "sha384", "sha512", "murmur3", "sha256tree", "blake3"];

    /// <summary>The instance part of any REAPI resource name (what the access check needs before the rest is parsed).</summary>
    public static NamespaceName NamespaceOf(string resourceName)
    {
        var segments = resourceName.Split('/');
        var start = Array.FindIndex(segments, s => s is Blobs or CompressedBlobs or Uploads);
        if (start < 0) throw Malformed(resourceName, "it names no blobs, compressed-blobs or uploads");
        return RouteValues.NamespaceOrDefault(string.Join('/', segments[..start]));
    }

    public static BlobResource ParseRead(string resourceName)
    {
        var segments = resourceName.Split('/');
        var start = KeywordIndex(resourceName, segments, Blobs, CompressedBlobs);
        var ns = RouteValues.NamespaceOrDefault(string.Join('/', segments[..start]));
        var (blob, compressed, end) = ParseBlob(resourceName, segments, start);
        if (end != segments.Length) throw Malformed(resourceName, "it goes on after the size");
        return new BlobResource(ns, null, blob, compressed);
    }

    public static BlobResource ParseWrite(string resourceName)
    {
        var segments = resourceName.Split('/');
        var start = KeywordIndex(resourceName, segments, Uploads);
        var ns = RouteValues.NamespaceOrDefault(string.Join('/', segments[..start]));
        if (start + 1 >= segments.Length || !IsUploadId(segments[start + 1])) throw Malformed(resourceName, "uploads/ is not followed by an upload id");
        if (start + 2 >= segments.Length || segments[start + 2] is not (Blobs or CompressedBlobs)) throw Malformed(resourceName, "the upload id is not followed by blobs/ or compressed-blobs/");
        var (blob, compressed, _) = ParseBlob(resourceName, segments, start + 2); // what follows the size is the client's metadata
        return new BlobResource(ns, segments[start + 1], blob, compressed);
    }

    // blobs/{hash}/{size} or compressed-blobs/{compressor}/{hash}/{size}, from segments[start].
    private static (ReapiBlob Blob, bool Compressed, int End) ParseBlob(string resourceName, string[] segments, int start)
    {
        var compressed = segments[start] == CompressedBlobs;
        var next = start + 1;
        if (compressed)
        {
            if (next >= segments.Length) throw Malformed(resourceName, "compressed-blobs/ names no compressor");
            if (segments[next] != Zstd) throw DomainException.Invalid($"compressor '{segments[next]}' is not supported: this server supports zstd");
            next++;
        }
        if (next + 1 >= segments.Length) throw Malformed(resourceName, "it needs a hash and a size");
        var hash = segments[next];
        if (OtherDigestFunctions.Contains(hash)) throw DomainException.Invalid($"digest function {hash} is not supported: this server uses SHA256");
        if (!Sha256Digest.TryParse(hash, out var digest)) throw Malformed(resourceName, "the hash is not 64 lowercase hex characters (SHA-256)");
        var sizeText = segments[next + 1];
        if (sizeText.Length == 0 || !sizeText.All(char.IsAsciiDigit) || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Malformed(resourceName, "the size is not a non-negative integer");
        }
        if (digest.IsEmpty && size != 0) throw Malformed(resourceName, "it names the empty blob with a non-zero size");
        return (new ReapiBlob(digest, size), compressed, next + 2);
    }

    private static int KeywordIndex(string resourceName, string[] segments, params string[] keywords)
    {
        var index = Array.FindIndex(segments, s => s is Blobs or CompressedBlobs or Uploads);
        if (index < 0 || !keywords.Contains(segments[index]))
        {
            throw Malformed(resourceName, $"expected {string.Join(" or ", keywords.Select(k => k + "/"))} after the instance name");
        }
        return index;
    }

    private static bool IsUploadId(string text) =>
        text.Length is > 0 and <= MaxUploadIdLength && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static DomainException Malformed(string resourceName, string why) =>
        DomainException.Invalid($"malformed resource name '{(resourceName.Length <= 200 ? resourceName : resourceName[..200] + "…")}': {why}");
}
