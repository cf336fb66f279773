using CacheRegistry.Common.IO;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Http;

namespace CacheRegistry.Server.Observability;

/// <summary>The bytes of blob and entry bodies on the wire, per protocol, counted where the HTTP door reads and writes them.</summary>
public static class WireBytes
{
    /// <summary>The request body, counting what is read from it into <c>cacheregistry.wire{direction="in"}</c> when disposed.</summary>
    /// <remarks><paramref name="body"/>: the request body as the door replays it, when it read some of it first.</remarks>
    public static CountedBody Incoming(HttpContext context, Stream? body = null) => new(context, body ?? context.Request.Body);

    public static void Outgoing(HttpContext context, long bytes) => Record(context, "out", bytes);

    private static void Record(HttpContext context, string direction, long bytes)
    {
        if (bytes <= 0) return;
        context.RequestServices.GetRequiredService<CacheMetrics>().WireBytes.Add(bytes, context.Features.Get<RequestScope>()?.Protocol ?? "other", direction);
    }

    public sealed class CountedBody(HttpContext context, Stream inner) : ReadOnlyStream
    {
        private readonly Stream _inner = inner;
        private long _read;

        public override int Read(Span<byte> buffer)
        {
            var read = _inner.Read(buffer);
            _read += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await _inner.ReadAsync(buffer, cancellationToken);
            _read += read;
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Record(context, "in", Interlocked.Exchange(ref _read, 0));
            base.Dispose(disposing);
        }
    }
}
