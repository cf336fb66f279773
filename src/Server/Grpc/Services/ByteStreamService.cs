using CacheRegistry.Common.Compression;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Grpc.ByteStream;
using CacheRegistry.Server.Grpc.Errors;
using Google.Bytestream;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.Services;

/// <summary>
/// REAPI's large-blob transfers over the Byte Stream API, streaming both ways (a blob is never held in
/// memory). Reads of <c>blobs/</c> send the content, of <c>compressed-blobs/zstd/</c> a zstd frame: the
/// stored one when the blob is stored compressed and read from the start, else compressed on the way.
/// Writes are verified against the digest and size (the uncompressed ones for zstd, whose frame is kept
/// as sent); identity writes are resumable (<see cref="ResumableWrites"/>), compressed ones start over.
/// </summary>
public sealed class ByteStreamService(
    ContentStore cas,
    BlobReader reader,
    ResumableWrites resumable,
    IOptions<GrpcOptions> options,
    IOptions<CacheLimitsOptions> limits,
    IOptions<CompressionOptions> compression) : Google.Bytestream.ByteStream.ByteStreamBase
{
    // How long a resumed Write waits for the call it replaces to notice that its client has gone.
    private static readonly TimeSpan TakeOverWait = TimeSpan.FromSeconds(10);

    [ReapiAccess(CachePermission.Read)]
    public override async Task Read(ReadRequest request, IServerStreamWriter<ReadResponse> responseStream, ServerCallContext context)
    {
        var resource = BlobResource.ParseRead(request.ResourceName);
        if (request.ReadOffset < 0) throw OutOfRange($"read_offset {request.ReadOffset} is negative");
        if (request.ReadLimit < 0) throw DomainException.Invalid($"read_limit {request.ReadLimit} is negative");
        if (resource.Compressed && request.ReadLimit != 0) throw DomainException.Invalid("read_limit must be 0 for compressed-blobs (REAPI)");
        var blob = resource.Blob;
        var stored = await cas.FindAsync(context.Namespace(), blob.Digest, context.CancellationToken);
        if (stored is null || stored.Size != blob.Size) throw DomainException.NotFound($"blob {blob} is not in the CAS");
        if (request.ReadOffset > stored.Size) throw OutOfRange($"read_offset {request.ReadOffset} is past the end of the {stored.Size}-byte blob");

        // The stored frame as is only from the start: an offset is one into the uncompressed content.
        var passThrough = resource.Compressed && request.ReadOffset == 0 && stored.Encoding == BlobEncoding.Zstd;
        await using var content = await reader.OpenAsync(stored, clientAcceptsZstd: passThrough, context.CancellationToken)
            ?? throw DomainException.NotFound($"blob {blob} is not in the CAS");
        var responses = new ReadResponseStream(responseStream, options.Value.ReadChunkBytes, context.CancellationToken);
        if (!passThrough) await SkipAsync(content.Stream, request.ReadOffset, context.CancellationToken);
        if (!resource.Compressed || passThrough)
        {
            await responses.CopyFromAsync(content.Stream, request.ReadLimit == 0 ? long.MaxValue : request.ReadLimit);
            return;
        }
        await using var compressor = new ZstdCompressStream(responses, compression.Value.Level, leaveOpen: true);
        await content.Stream.CopyToAsync(compressor, options.Value.ReadChunkBytes, context.CancellationToken);
        await compressor.FinishAsync(context.CancellationToken);
    }

    /// <summary>
    /// Stores the blob when the client finishes the write; ends early (committed_size the blob's size, or
    /// -1 for a compressed write) when the namespace has the blob already. A client that closes without
    /// finish_write gets the committed size to resume from.
    /// </summary>
    [ReapiAccess(CachePermission.Write)]
    public override async Task<WriteResponse> Write(IAsyncStreamReader<WriteRequest> requestStream, ServerCallContext context)
    {
        await requestStream.MoveNext(context.CancellationToken); // the access check makes sure there is a first message
        var first = requestStream.Current;
        var resource = BlobResource.ParseWrite(first.ResourceName);
        var blob = resource.Blob;
        if (blob.Size > limits.Value.MaxBlobBytes) throw DomainException.TooLarge(limits.Value.MaxBlobBytes);
        if (first.WriteOffset < 0 || first.WriteOffset > blob.Size) throw DomainException.Invalid($"write_offset {first.WriteOffset} is outside the {blob.Size}-byte blob");
        ReapiCallLog.SetAuditTarget(context, first.ResourceName);

        var existing = await cas.CheckPresenceAsync(resource.Namespace, blob.Digest, context.CancellationToken);
        if (existing is not null && existing.Size == blob.Size)
        {
            if (resumable.Find(ResumableWrites.KeyOf(resource)) is { } leftover) resumable.Remove(leftover);
            return new WriteResponse { CommittedSize = resource.Compressed ? -1 : blob.Size };
        }
        if (resource.Compressed) return await WriteCompressedAsync(resource, requestStream, first, context);
        if (first.WriteOffset == 0 && first.FinishWrite)
        {
            // All in one message: nothing to resume.
            await cas.PutAsync(resource.Namespace, blob.Digest, first.Data.AsStream(), UploadEncoding.Identity, context.CancellationToken, blob.Size);
            return new WriteResponse { CommittedSize = blob.Size };
        }
        return await WriteResumableAsync(resource, requestStream, first, context);
    }

    /// <summary>How much of an identity write is kept (complete once stored); NOT_FOUND when there is no such write.</summary>
    [ReapiAccess(CachePermission.Read)]
    public override async Task<QueryWriteStatusResponse> QueryWriteStatus(QueryWriteStatusRequest request, ServerCallContext context)
    {
        var resource = BlobResource.ParseWrite(request.ResourceName);
        var stored = await cas.CheckPresenceAsync(resource.Namespace, resource.Blob.Digest, context.CancellationToken);
        if (stored is not null && stored.Size == resource.Blob.Size) return new QueryWriteStatusResponse { CommittedSize = resource.Blob.Size, Complete = true };
        if (!resource.Compressed && resumable.Find(ResumableWrites.KeyOf(resource)) is { } write) return new QueryWriteStatusResponse { CommittedSize = write.Committed };
        throw DomainException.NotFound($"no write of {request.ResourceName} is in progress or kept");
    }

    // A zstd frame is verified as it is decompressed and kept as sent; it cannot be resumed (REAPI's
    // offsets for compressed writes mix uncompressed and compressed positions).
    private async Task<WriteResponse> WriteCompressedAsync(BlobResource resource, IAsyncStreamReader<WriteRequest> requests, WriteRequest first, ServerCallContext context)
    {
        if (first.WriteOffset != 0) throw DomainException.Invalid("a compressed write starts at offset 0: this server does not resume compressed writes");
        var body = new WriteRequestStream(requests, first, long.MaxValue, resumable: null, keep: null, context.CancellationToken);
        try
        {
            await cas.PutAsync(resource.Namespace, resource.Blob.Digest, body, UploadEncoding.Zstd, context.CancellationToken, resource.Blob.Size);
        }
        catch (WriteNotFinishedException)
        {
            return new WriteResponse { CommittedSize = 0 };
        }
        return new WriteResponse { CommittedSize = body.Received };
    }

    private async Task<WriteResponse> WriteResumableAsync(BlobResource resource, IAsyncStreamReader<WriteRequest> requests, WriteRequest first, ServerCallContext context)
    {
        var key = ResumableWrites.KeyOf(resource);
        var write = resumable.GetOrCreate(key);
        if (!await write.TryAcquireAsync(TakeOverWait, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.Aborted, "another Write of this resource is still in progress; retry"));
        }
        if (resumable.Find(key) != write)
        {
            // Expired and removed (its file deleted) between GetOrCreate and acquiring it: start over.
            write.Release();
            throw new RpcException(new Status(StatusCode.Aborted, "the interrupted write of this resource expired; retry from offset 0"));
        }
        try
        {
            if (first.WriteOffset != write.Committed)
            {
                throw DomainException.Invalid($"write_offset {first.WriteOffset} is not the committed size {write.Committed} (ask QueryWriteStatus)");
            }
            await using var keep = write.OpenForAppend();
            var live = new WriteRequestStream(requests, first, resource.Blob.Size - write.Committed, write, keep, context.CancellationToken);
            await using var body = write.Committed > 0 ? new ConcatenatedStream(write.OpenCommitted(), live) : (Stream)live;
            try
            {
                await cas.PutAsync(resource.Namespace, resource.Blob.Digest, body, UploadEncoding.Identity, context.CancellationToken, resource.Blob.Size);
            }
            catch (WriteNotFinishedException)
            {
                return new WriteResponse { CommittedSize = write.Committed };
            }
            catch (DomainException e) when (e.Kind != DomainErrorKind.Unavailable)
            {
                resumable.Remove(write); // wrong content or size: resuming cannot fix it
                throw;
            }
            resumable.Remove(write);
            return new WriteResponse { CommittedSize = resource.Blob.Size };
        }
        finally
        {
            write.Release();
        }
    }

    private static async Task SkipAsync(Stream content, long count, CancellationToken cancellationToken)
    {
        if (count == 0) return;
        if (content.CanSeek)
        {
            content.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[64 * 1024];
        while (count > 0)
        {
            var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0) return;
            count -= read;
        }
    }

    private static RpcException OutOfRange(string message) => new(new Status(StatusCode.OutOfRange, message));
}
