using CacheRegistry.Common.Compression;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using Microsoft.Net.Http.Headers;

namespace CacheRegistry.Server.Http;

/// <summary>Content-Encoding and Accept-Encoding handling shared by every protocol adapter.</summary>
public static class HttpEncoding
{
    public static bool AcceptsZstd(HttpRequest request)
    {
        if (request.Headers.AcceptEncoding.Count == 0) return false;
        if (!StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var encodings)) return false;
        return encodings.Any(e => e.Value.Equals(Zstd.ContentEncoding, StringComparison.OrdinalIgnoreCase) && e.Quality is null or > 0);
    }

    public static UploadEncoding UploadEncodingOf(HttpRequest request)
    {
        var header = request.Headers.ContentEncoding.ToString().Trim();
        if (header.Length == 0 || header.Equals("identity", StringComparison.OrdinalIgnoreCase)) return UploadEncoding.Identity;
        if (header.Equals(Zstd.ContentEncoding, StringComparison.OrdinalIgnoreCase)) return UploadEncoding.Zstd;
        throw new CacheRequestException(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{header}' is not supported; use zstd or none");
    }

    /// <summary>Refuses early, before reading, a body whose declared length already exceeds the limit.</summary>
    public static void RejectDeclaredOversize(HttpRequest request, long maxSize)
    {
        if (request.ContentLength > maxSize && UploadEncodingOf(request) == UploadEncoding.Identity) throw CacheRequestException.TooLarge(maxSize);
    }

    /// <summary>Answers a GET or HEAD with a blob (zstd-encoded as stored when the client accepts it), or 404 for null.</summary>
    public static async Task WriteBlobOrNotFoundAsync(HttpContext context, StoredBlob? blob, BlobReader reader)
    {
        if (blob is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var request = context.Request;
        var response = context.Response;
        var acceptsZstd = AcceptsZstd(request);
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        response.ContentType = "application/octet-stream";

        if (HttpMethods.IsHead(request.Method))
        {
            // HEAD answers what GET would: a blob whose object is gone is a miss.
            if (!await reader.ExistsAsync(blob, context.RequestAborted))
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var (length, encoding) = BlobReader.Describe(blob, acceptsZstd);
            SetContentHeaders(response, length, encoding);
            return;
        }

        await using var content = await reader.OpenAsync(blob, acceptsZstd, context.RequestAborted);
        if (content is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        SetContentHeaders(response, content.Length, content.Encoding);
        if (content.IsLocal && content.Length <= SmallLocalBody) await WriteSmallLocalAsync(content, response.BodyWriter, context.RequestAborted);
        else await content.Stream.CopyToAsync(response.Body, CopyBufferFor(content.Length), context.RequestAborted);
        Observability.WireBytes.Outgoing(context, content.Length);
    }

    private const int SmallLocalBody = 64 * 1024;
    private const int LargestCopyBuffer = 1024 * 1024;

    // Read synchronously into the response's own buffers, the whole body at once (one pread, where 4 KiB
    // at a time made 16 for a 64 KiB hit): no asynchronous file read (a thread-pool hop per read on Linux)
    // and no copy buffer. Large or remote content streams with CopyToAsync.
    private static async Task WriteSmallLocalAsync(BlobContent content, System.IO.Pipelines.PipeWriter body, CancellationToken cancellationToken)
    {
        var remaining = content.Length;
        while (remaining > 0)
        {
            var span = body.GetSpan((int)remaining);
            var read = content.Stream.Read(span[..(int)Math.Min(remaining, span.Length)]);
            if (read == 0) break;
            body.Advance(read);
            remaining -= read;
        }
        await body.FlushAsync(cancellationToken);
    }

    // Each read and each write of a copy is a system call and, for a file, a hop to the thread pool: up to
    // 1 MiB at a time (CopyToAsync's default of 80 KiB held 256 MiB downloads at about two thirds of nginx's rate).
    private static int CopyBufferFor(long length) => (int)Math.Clamp(length, 1, LargestCopyBuffer);

    private static void SetContentHeaders(HttpResponse response, long length, BlobEncoding encoding)
    {
        response.ContentLength = length;
        if (encoding == BlobEncoding.Zstd) response.Headers.ContentEncoding = Zstd.ContentEncoding;
    }
}
