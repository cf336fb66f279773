using System.ComponentModel;

namespace CacheRegistry.Server.Configuration;

public enum StorageProvider { FileSystem, S3 }

/// <summary>"CacheRegistry:Storage": where blob bytes live.</summary>
public sealed class StorageOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Storage";

    // Uploads are kept in memory up to 128 KiB (BlobIngestor); a row much larger than a page slows the metadata's B-trees.
    private const long MaxInlineBytes = 64 * 1024;

    [Description("FileSystem (embedded) or S3 (any S3-compatible service).")]
    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    [Description("Root of the filesystem store. Default: blobs in the data directory.")]
    public string? Path { get; set; }

    [Description("Blobs this small or smaller as stored are kept in the metadata database with their row, committed with it, instead of as objects in the blob store (0: none). A body the client sends zstd-compressed is kept as it came, as an object.")]
    public ByteSize InlineMaxBytes { get; set; } = new(4096);

    [Description("Memory for the bytes of recently used inline blobs, so that a hit on one reads no database.")]
    public ByteSize InlineCacheBytes { get; set; } = ByteSize.FromMiB(32);

    public S3StorageOptions S3 { get; set; } = new();

    public void Check(SettingsCheck check)
    {
        check.Range(nameof(InlineMaxBytes), InlineMaxBytes, 0, MaxInlineBytes);
        check.AtLeast(nameof(InlineCacheBytes), InlineCacheBytes, new ByteSize(0));
        if (Provider == StorageProvider.S3) check.Nested(nameof(S3), S3);
    }
}

/// <summary>"CacheRegistry:Storage:S3".</summary>
public sealed class S3StorageOptions : IValidatedOptions
{
    /// <summary>S3's smallest part of a multipart upload (but the last).</summary>
    public static readonly ByteSize MinimumPartSize = ByteSize.FromMiB(5);

    [Description("The bucket; required for S3.")]
    public string? Bucket { get; set; }

    [Description("Endpoint of an S3-compatible service (MinIO, R2, …); empty means AWS.")]
    public string? ServiceUrl { get; set; }

    [Description("The bucket's region.")]
    public string Region { get; set; } = "us-east-1";

    [Description("Path-style addressing (MinIO and most S3-compatible services).")]
    public bool ForcePathStyle { get; set; }

    [Description("Static credentials; when empty the AWS SDK's default chain (environment, profile, instance role).")]
    public string? AccessKey { get; set; }

    [Description("Secret of the static credentials. Never logged.")]
    public string? SecretKey { get; set; }

    [Description("Prepended to every object key, e.g. cache/, so one bucket can hold several installations.")]
    public string KeyPrefix { get; set; } = "";

    [Description("Objects larger than this are uploaded in parts.")]
    public ByteSize MultipartThresholdBytes { get; set; } = ByteSize.FromMiB(64);

    [Description("Size of each part of a multipart upload (S3 needs at least 5 MiB).")]
    public ByteSize PartSizeBytes { get; set; } = ByteSize.FromMiB(16);

    public void Check(SettingsCheck check)
    {
        check.Required(nameof(Bucket), Bucket, "to use S3 storage");
        if (!string.IsNullOrEmpty(ServiceUrl) && !SettingsCheck.IsHttpUrl(ServiceUrl)) check.Fail(nameof(ServiceUrl), $"is '{ServiceUrl}'; it must be an http:// or https:// URL");
        check.AtLeast(nameof(PartSizeBytes), PartSizeBytes, MinimumPartSize);
        check.AtLeast(nameof(MultipartThresholdBytes), MultipartThresholdBytes, PartSizeBytes);
        if (!string.IsNullOrEmpty(AccessKey) && string.IsNullOrEmpty(SecretKey)) check.Fail(nameof(SecretKey), "must be set with AccessKey");
    }
}
