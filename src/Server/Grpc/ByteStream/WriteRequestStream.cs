using CacheRegistry.Common.IO;
using CacheRegistry.Server.Core.Errors;
using Google.Bytestream;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc.ByteStream;

/// <summary>
/// The data of a ByteStream Write as a stream for the ingest, one message at a time (never the whole
/// blob). Each message is checked as the ByteStream API says (the same resource name, the offset where
/// the previous data ended) and, for a resumable write, kept (<see cref="ResumableWrite"/>) before its
/// data is read. The stream ends after the message with finish_write; a client that stops sending
/// before it makes the read throw <see cref="WriteNotFinishedException"/>, so nothing is stored.
/// </summary>
public sealed class WriteRequestStream(IAsyncStreamReader<WriteRequest> requests, WriteRequest first, long maxDataBytes,
    ResumableWrite? resumable, FileStream? keep, CancellationToken cancellationToken) : ReadOnlyStream
{
    private readonly string _resourceName = first.ResourceName;
    private WriteRequest _current = first;
    private int _position;
    private bool _started;
    private bool _finished;
    private long _expectedOffset = first.WriteOffset;

    /// <summary>Data bytes received by this call.</summary>
    public long Received { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
    {
        if (!_started)
        {
            _started = true;
            await AcceptAsync(_current);
        }
        while (_position == _current.Data.Length)
        {
            if (_finished) return 0;
            if (!await requests.MoveNext(cancellationToken)) throw new WriteNotFinishedException();
            await AcceptAsync(requests.Current);
        }
        var count = Math.Min(buffer.Length, _current.Data.Length - _position);
        _current.Data.Memory.Slice(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(Span<byte> buffer) => throw new NotSupportedException(); // the ingest reads asynchronously

    private async Task AcceptAsync(WriteRequest request)
    {
        if (request.ResourceName.Length > 0 && request.ResourceName != _resourceName) throw DomainException.Invalid("a later WriteRequest names another resource");
        if (request.WriteOffset != _expectedOffset) throw DomainException.Invalid($"write_offset {request.WriteOffset}; the data sent so far ends at {_expectedOffset}");
        Received += request.Data.Length;
        if (Received > maxDataBytes) throw DomainException.Invalid($"more data than the blob's size ({maxDataBytes} bytes left to send)");
        if (resumable is not null && keep is not null) await resumable.AppendAsync(request.Data.Memory, keep, cancellationToken);
        _expectedOffset += request.Data.Length;
        _finished = request.FinishWrite;
        _current = request;
        _position = 0;
    }
}

/// <summary>The client closed a Write without finish_write: what it sent is kept (if resumable), nothing is stored.</summary>
public sealed class WriteNotFinishedException() : Exception("the client closed the write without finish_write");
