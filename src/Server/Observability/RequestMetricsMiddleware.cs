using CacheRegistry.Server.Core.Access;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace CacheRegistry.Server.Observability;

/// <summary>Counts every request, its latency, its bytes in and out and its errors, labelled by the protocol of the matched endpoint.</summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, CacheMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        // Read before the pipeline runs: the exception handler clears the endpoint.
        var protocol = context.GetEndpoint()?.Metadata.GetMetadata<Http.ProtocolTag>()?.Name ?? "other";
        var counted = new CountingBody(context);
        try
        {
            await next(context);
            await counted.CompleteAsync();
        }
        finally
        {
            var status = context.Response.StatusCode;
            var protocolTag = new KeyValuePair<string, object?>("protocol", protocol);
            metrics.Requests.Add(1, protocolTag, new("method", context.Request.Method), new("status", $"{status / 100}xx"));
            metrics.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, protocolTag);
            metrics.WireBytes.Add(counted.Received, protocolTag, new("direction", "in"));
            metrics.WireBytes.Add(counted.Sent, protocolTag, new("direction", "out"));
            if (status >= 400) metrics.Errors.Add(1, protocolTag, new("kind", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Counts request and response body bytes on their way through.</summary>
    private sealed class CountingBody
    {
        private long _received;
        private long _sent;

        private readonly HttpContext _context;
        private readonly StreamResponseBodyFeature _response;

        public CountingBody(HttpContext context)
        {
            _context = context;
            context.Request.Body = new CountingStream(context.Request.Body, n => _received += n);
            var body = context.Features.Get<IHttpResponseBodyFeature>()!;
            _response = new StreamResponseBodyFeature(new CountingStream(body.Stream, n => _sent += n), body);
            context.Features.Set<IHttpResponseBodyFeature>(_response);
        }

        /// <summary>
        /// Sends what was written through the response's PipeWriter and not flushed yet (gRPC writes its messages so).
        /// With nothing written and the response not started, it leaves the response to the server, which sends the
        /// headers alone with the end of the stream: gRPC's trailers-only responses (each error status before a message).
        /// Starting the body would send the headers, then an empty DATA frame ending the stream, which grpc-java clients
        /// such as Bazel read as INTERNAL ("unexpected EOS on empty DATA frame") instead of the status.
        /// </summary>
        public Task CompleteAsync() =>
            !_context.Response.HasStarted && _response.Writer is { CanGetUnflushedBytes: true, UnflushedBytes: 0 }
                ? Task.CompletedTask
                : _response.CompleteAsync();

        public long Received => _received;

        public long Sent => _sent;
    }

    private sealed class CountingStream(Stream inner, Action<long> counted) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) { var n = inner.Read(buffer, offset, count); counted(n); return n; }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) { var n = await inner.ReadAsync(buffer, cancellationToken); counted(n); return n; }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Write(byte[] buffer, int offset, int count) { inner.Write(buffer, offset, count); counted(count); }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) { await inner.WriteAsync(buffer, cancellationToken); counted(buffer.Length); }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
