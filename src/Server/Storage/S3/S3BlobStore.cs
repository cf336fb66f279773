using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CacheRegistry.Common.IO;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Storage;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Storage.S3;

/// <summary>
/// Blobs as objects in an S3 bucket. A PutObject (or a completed multipart upload) makes an object
/// visible whole, which gives the atomic publish the store contract needs; nothing here depends on
/// CopyObject, conditional puts or AbortMultipartUpload succeeding.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3StorageOptions _options;
    private readonly string _bucket;
    private readonly ILogger<S3BlobStore> _logger;

    public S3BlobStore(IOptions<StorageOptions> options, ILogger<S3BlobStore> logger)
    {
        _options = options.Value.S3;
        _bucket = _options.Bucket ?? throw new InvalidOperationException($"{StorageOptions.Section}:S3:Bucket must be set to use S3 storage.");
        _logger = logger;
        _s3 = CreateClient(_options);
    }

    private static AmazonS3Client CreateClient(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // Blobs are verified by their SHA-256 already; the SDK's extra checksum headers are not
            // understood by several S3-compatible servers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrEmpty(options.ServiceUrl)) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        else config.ServiceURL = options.ServiceUrl;

        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public string Description => $"S3 bucket {_bucket}{(_options.KeyPrefix.Length > 0 ? $" under {_options.KeyPrefix}" : "")}{(string.IsNullOrEmpty(_options.ServiceUrl) ? "" : $" at {_options.ServiceUrl}")}";

    public async Task<OpenedObject?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_bucket, ObjectKey(key), cancellationToken);
            return new OpenedObject(new S3ObjectStream(response), response.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<long?> GetLengthAsync(StorageKey key, CancellationToken cancellationToken)
    {
        try
        {
            return (await _s3.GetObjectMetadataAsync(_bucket, ObjectKey(key), cancellationToken)).ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task PutAsync(StorageKey key, StagedContent content, CancellationToken cancellationToken)
    {
        if (content is StagedFile file && file.Length > _options.MultipartThresholdBytes) await PutMultipartAsync(ObjectKey(key), file, cancellationToken);
        else await PutSingleAsync(ObjectKey(key), content, cancellationToken);
    }

    private async Task PutSingleAsync(string objectKey, StagedContent content, CancellationToken cancellationToken)
    {
        await using var file = content.OpenRead();
        var request = new PutObjectRequest { BucketName = _bucket, Key = objectKey, InputStream = file, AutoCloseStream = false };
        request.Headers.ContentLength = content.Length;
        await _s3.PutObjectAsync(request, cancellationToken);
    }

    private async Task PutMultipartAsync(string objectKey, StagedFile content, CancellationToken cancellationToken)
    {
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = objectKey }, cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            var partNumber = 1;
            for (long offset = 0; offset < content.Length; offset += _options.PartSizeBytes, partNumber++)
            {
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = objectKey,
                    UploadId = upload.UploadId,
                    PartNumber = partNumber,
                    FilePath = content.Path,
                    FilePosition = offset,
                    PartSize = Math.Min(_options.PartSizeBytes, content.Length - offset),
                }, cancellationToken);
                parts.Add(new PartETag(partNumber, part.ETag));
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = objectKey,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, cancellationToken);
        }
        catch
        {
            await TryAbortAsync(objectKey, upload.UploadId);
            throw;
        }
    }

    // Best effort: an unfinished upload is invisible to readers either way, and a bucket lifecycle rule
    // (or the server's GC) removes its parts where the service cannot abort.
    private async Task TryAbortAsync(string objectKey, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(_bucket, objectKey, uploadId);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not abort multipart upload {UploadId} of {ObjectKey}", uploadId, objectKey);
        }
    }

    public async Task DeleteAsync(StorageKey key, CancellationToken cancellationToken) =>
        await _s3.DeleteObjectAsync(_bucket, ObjectKey(key), cancellationToken);

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _options.KeyPrefix + prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new StoredObject(item.Key[_options.KeyPrefix.Length..], item.Size ?? 0, item.LastModified ?? DateTime.UtcNow);
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken) =>
        await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1, Prefix = _options.KeyPrefix }, cancellationToken);

    private string ObjectKey(StorageKey key) => _options.KeyPrefix + key.Value;

    public void Dispose() => _s3.Dispose();

    /// <summary>The object's body; disposing it releases the HTTP response behind it.</summary>
    private sealed class S3ObjectStream(GetObjectResponse response) : ReadOnlyStream
    {
        private readonly Stream _body = response.ResponseStream;

        public override long Length => response.ContentLength;
        public override int Read(Span<byte> buffer) => _body.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
