using System.Globalization;
using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Grpc.Errors;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Directory = Build.Bazel.Remote.Execution.V2.Directory;

namespace CacheRegistry.Server.Grpc.Services;

/// <summary>
/// REAPI's CAS over the same content store as every other door: blobs are verified on upload (digest and
/// size), deduplicated, and visible per namespace. Batch calls are bounded by the advertised
/// <see cref="GrpcOptions.MaxBatchTotalSizeBytes"/> (over it: INVALID_ARGUMENT, as REAPI says); each
/// blob of a batch succeeds or fails on its own.
/// </summary>
public sealed class ContentAddressableStorageService(
    ContentStore cas,
    BlobReader reader,
    CasMessageReader messages,
    DirectoryTree trees,
    IOptions<GrpcOptions> options,
    IOptions<CacheLimitsOptions> limits) : ContentAddressableStorage.ContentAddressableStorageBase
{
    // Blobs of one batch handled at once (the uploads each stage, verify and commit; reads each open an object).
    private const int BatchParallelism = 4;

    /// <summary>Which blobs the namespace lacks; those it has count as used now (kept through garbage collection's grace period).</summary>
    [ReapiAccess(CachePermission.Read)]
    public override async Task<FindMissingBlobsResponse> FindMissingBlobs(FindMissingBlobsRequest request, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        var max = limits.Value.MaxFindMissingDigests;
        if (request.BlobDigests.Count > max) throw DomainException.Invalid($"{request.BlobDigests.Count} digests in one call; at most {max}");
        var blobs = request.BlobDigests.Select((d, i) => ReapiBlob.From(d, $"blob_digests[{i}]")).ToList();
        var missing = (await cas.FindMissingAsync(context.Namespace(), blobs.Select(b => b.Digest).ToList(), context.CancellationToken)).ToHashSet();
        var response = new FindMissingBlobsResponse();
        response.MissingBlobDigests.AddRange(blobs.Where(b => missing.Contains(b.Digest)).DistinctBy(b => b.Digest).Select(b => b.ToProto()));
        return response;
    }

    [ReapiAccess(CachePermission.Write)]
    public override async Task<BatchUpdateBlobsResponse> BatchUpdateBlobs(BatchUpdateBlobsRequest request, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        RequireWithinBatchLimit(request.Requests.Sum(r => (long)r.Data.Length), "carries");
        var ns = context.Namespace();
        ReapiCallLog.SetAuditTarget(context, $"{request.Requests.Count} blobs");
        var responses = new BatchUpdateBlobsResponse.Types.Response[request.Requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, responses.Length),
            new ParallelOptions { MaxDegreeOfParallelism = BatchParallelism, CancellationToken = context.CancellationToken },
            async (i, cancellationToken) => responses[i] = await UpdateAsync(ns, request.Requests[i], cancellationToken));
        var response = new BatchUpdateBlobsResponse();
        response.Responses.AddRange(responses);
        return response;
    }

    /// <summary>The blobs, zstd-compressed as stored when the client accepts zstd and the blob is stored so.</summary>
    [ReapiAccess(CachePermission.Read)]
    public override async Task<BatchReadBlobsResponse> BatchReadBlobs(BatchReadBlobsRequest request, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        RequireWithinBatchLimit(request.Digests.Sum(d => Math.Max(0, d.SizeBytes)), "asks for");
        var ns = context.Namespace();
        var acceptsZstd = request.AcceptableCompressors.Contains(Compressor.Types.Value.Zstd);
        var responses = new BatchReadBlobsResponse.Types.Response[request.Digests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, responses.Length),
            new ParallelOptions { MaxDegreeOfParallelism = BatchParallelism, CancellationToken = context.CancellationToken },
            async (i, cancellationToken) => responses[i] = await ReadAsync(ns, request.Digests[i], acceptsZstd, cancellationToken));
        var response = new BatchReadBlobsResponse();
        response.Responses.AddRange(responses);
        return response;
    }

    /// <summary>
    /// Every Directory below the root (the root first), in pages of at most page_size directories and
    /// about a batch's bytes. A page's next_page_token is the count of directories sent before the next
    /// page, so a client whose stream broke resumes there; the last page has none.
    /// </summary>
    [ReapiAccess(CachePermission.Read)]
    public override async Task GetTree(GetTreeRequest request, IServerStreamWriter<GetTreeResponse> responseStream, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        var rootBlob = ReapiBlob.From(request.RootDigest, "root_digest");
        if (request.PageSize < 0) throw DomainException.Invalid("page_size is negative");
        var pageSize = request.PageSize == 0 ? options.Value.MaxTreePageSize : Math.Min(request.PageSize, options.Value.MaxTreePageSize);
        var skip = ParsePageToken(request.PageToken);
        var ns = context.Namespace();
        var root = await messages.ReadAsync(ns, rootBlob, Directory.Parser, "root_digest", context.CancellationToken)
            ?? throw DomainException.NotFound($"the root directory {rootBlob} is not in the CAS");

        var page = new GetTreeResponse();
        long pageBytes = 0;
        var index = 0L;
        await foreach (var directory in trees.WalkAsync(ns, rootBlob, root, context.CancellationToken))
        {
            if (index++ < skip) continue;
            var size = directory.CalculateSize();
            if (page.Directories.Count == pageSize || (page.Directories.Count > 0 && pageBytes + size > options.Value.MaxBatchTotalSizeBytes))
            {
                page.NextPageToken = (index - 1).ToString(CultureInfo.InvariantCulture);
                await responseStream.WriteAsync(page, context.CancellationToken);
                (page, pageBytes) = (new GetTreeResponse(), 0);
            }
            page.Directories.Add(directory);
            pageBytes += size;
        }
        await responseStream.WriteAsync(page, context.CancellationToken);
    }

    private async Task<BatchUpdateBlobsResponse.Types.Response> UpdateAsync(NamespaceName ns, BatchUpdateBlobsRequest.Types.Request item, CancellationToken cancellationToken)
    {
        var response = new BatchUpdateBlobsResponse.Types.Response { Digest = item.Digest };
        try
        {
            var blob = ReapiBlob.From(item.Digest, "digest");
            var encoding = item.Compressor switch
            {
                Compressor.Types.Value.Identity => UploadEncoding.Identity,
                Compressor.Types.Value.Zstd => UploadEncoding.Zstd,
                _ => throw DomainException.Invalid($"compressor {item.Compressor} is not supported: this server supports zstd"),
            };
            if (encoding == UploadEncoding.Identity && item.Data.Length != blob.Size)
            {
                throw DomainException.Invalid($"the data is {item.Data.Length} bytes; the digest says {blob.Size}");
            }
            await cas.PutAsync(ns, blob.Digest, item.Data.AsStream(), encoding, cancellationToken, blob.Size);
            response.Status = ReapiErrors.Ok;
        }
        catch (DomainException e)
        {
            response.Status = ReapiErrors.ToStatusProto(e);
        }
        return response;
    }

    private async Task<BatchReadBlobsResponse.Types.Response> ReadAsync(NamespaceName ns, Digest digest, bool acceptsZstd, CancellationToken cancellationToken)
    {
        var response = new BatchReadBlobsResponse.Types.Response { Digest = digest };
        try
        {
            var blob = ReapiBlob.From(digest, "digest");
            var stored = await cas.FindAsync(ns, blob.Digest, cancellationToken);
            await using var content = stored is null || stored.Size != blob.Size ? null : await reader.OpenAsync(stored, acceptsZstd, cancellationToken);
            if (content is null) throw DomainException.NotFound($"blob {blob} is not in the CAS");
            var bytes = new byte[content.Length];
            await content.Stream.ReadExactlyAsync(bytes, cancellationToken);
            response.Data = UnsafeByteOperations.UnsafeWrap(bytes);
            response.Compressor = content.Encoding == BlobEncoding.Zstd ? Compressor.Types.Value.Zstd : Compressor.Types.Value.Identity;
            response.Status = ReapiErrors.Ok;
        }
        catch (DomainException e)
        {
            response.Status = ReapiErrors.ToStatusProto(e);
        }
        return response;
    }

    private void RequireWithinBatchLimit(long bytes, string verb)
    {
        var limit = options.Value.MaxBatchTotalSizeBytes;
        if (bytes > limit) throw DomainException.Invalid($"the batch {verb} {bytes} bytes, more than max_batch_total_size_bytes ({limit}); use ByteStream for large blobs");
    }

    private static long ParsePageToken(string token)
    {
        if (token.Length == 0) return 0;
        return long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var skip)
            ? skip
            : throw DomainException.Invalid("page_token is not one this server gave out");
    }
}
