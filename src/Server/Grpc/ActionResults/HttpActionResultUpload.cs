using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Http;
using Google.Protobuf;

namespace CacheRegistry.Server.Grpc.ActionResults;

/// <summary>
/// Bazel's HTTP <c>PUT /ac</c> body, looked at as an ActionResult so the entry references what the
/// result's trees name (<see cref="ActionResultBlobs"/>), as a REAPI write would. Only a body that
/// parses as an ActionResult counts; anything else (a <c>cache exec</c> manifest, a compressed body, a
/// body over <see cref="MaxParsedBytes"/>) is stored exactly as before, its references found by the
/// digest scan alone. The body is read once: what was read is put back in front of the rest.
/// </summary>
public sealed class HttpActionResultUpload(ActionResultBlobs blobs)
{
    public const int MaxParsedBytes = 4 * 1024 * 1024;

    /// <summary>The body to store, and the blobs beyond the digests written in it that the result needs.</summary>
    public async Task<(Stream Body, IReadOnlyCollection<Sha256Digest> Extra)> ReadAsync(HttpRequest request, NamespaceName ns, CancellationToken cancellationToken)
    {
        if (HttpEncoding.UploadEncodingOf(request) != UploadEncoding.Identity) return (request.Body, []);
        var (head, length) = await ReadHeadAsync(request.Body, cancellationToken);
        if (length > MaxParsedBytes) return (new PrefixedStream(head, length, request.Body), []);

        var body = new MemoryStream(head, 0, length, writable: false);
        ActionResult result;
        try
        {
            result = ActionResult.Parser.ParseFrom(head, 0, length);
        }
        catch (InvalidProtocolBufferException)
        {
            return (body, []);
        }
        try
        {
            var required = await blobs.RequiredAsync(ns, result, cancellationToken);
            return (body, required.Select(b => b.Digest).ToList());
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.InvalidArgument)
        {
            return (body, []); // not an ActionResult after all
        }
    }

    // Up to just past MaxParsedBytes (action results are small: this is usually the whole body).
    private static async Task<(byte[] Head, int Length)> ReadHeadAsync(Stream body, CancellationToken cancellationToken)
    {
        var head = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while (head.Length <= MaxParsedBytes && (read = await body.ReadAsync(buffer, cancellationToken)) > 0) head.Write(buffer, 0, read);
        return (head.GetBuffer(), (int)head.Length);
    }

    /// <summary>The bytes read ahead, then the rest of the body.</summary>
    private sealed class PrefixedStream(byte[] prefix, int prefixLength, Stream rest) : ReadOnlyStream
    {
        private int _position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= prefixLength) return await rest.ReadAsync(buffer, cancellationToken);
            var count = Math.Min(buffer.Length, prefixLength - _position);
            prefix.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(Span<byte> buffer) => throw new NotSupportedException(); // request bodies are read asynchronously
    }
}
