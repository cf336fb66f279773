namespace CacheRegistry.Server.Configuration;

/// <summary>Top-level settings, bound from the "CacheRegistry" configuration section.</summary>
public sealed class CacheRegistryOptions
{
    public const string Section = "CacheRegistry";

    /// <summary>Where the embedded defaults keep their files (SQLite database, blobs, staging). Relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);

    /// <summary>Where request bodies are written before they are verified and committed. Defaults to a folder of the data directory.</summary>
    public string? StagingDirectory { get; set; }

    public string StagingDirectoryFullPath => Path.GetFullPath(StagingDirectory ?? Path.Combine(DataDirectory, "staging"));
}

public enum DatabaseProvider { Sqlite, PostgreSQL }

/// <summary>"CacheRegistry:Database".</summary>
public sealed class DatabaseOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite it defaults to a file in the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the server starts. Turn off when a separate job runs <c>migrate</c>.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

public enum StorageProvider { FileSystem, S3 }

/// <summary>"CacheRegistry:Storage".</summary>
public sealed class StorageOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    /// <summary>Root of the filesystem store; defaults to "blobs" in the data directory.</summary>
    public string? Path { get; set; }

    public S3StorageOptions S3 { get; set; } = new();
}

public sealed class S3StorageOptions
{
    public string? Bucket { get; set; }

    /// <summary>Endpoint of an S3-compatible service (MinIO, R2, an emulator). Empty means AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public bool ForcePathStyle { get; set; }

    /// <summary>Static credentials; when empty the AWS SDK's default chain (environment, profile, instance role) is used.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Prepended to every object key, e.g. "cache/". Lets one bucket hold several installations.</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>Objects larger than this are uploaded in parts.</summary>
    public long MultipartThresholdBytes { get; set; } = 64L * 1024 * 1024;

    public long PartSizeBytes { get; set; } = 16L * 1024 * 1024;
}

/// <summary>"CacheRegistry:Limits".</summary>
public sealed class CacheLimitsOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Limits";

    /// <summary>Largest blob accepted, uncompressed.</summary>
    public long MaxBlobBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Largest action cache value accepted, uncompressed.</summary>
    public long MaxActionEntryBytes { get; set; } = 64L * 1024 * 1024;

    public int MaxFindMissingDigests { get; set; } = 100_000;

    /// <summary>How long a positive lookup is served from memory (0 turns the lookup cache off).</summary>
    public TimeSpan LookupCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    public long LookupCacheEntries { get; set; } = 200_000;

    /// <summary>Largest part of a resumable upload.</summary>
    public long MaxUploadPartBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The server reports itself not ready when the staging area's disk has less free space than this.</summary>
    public long MinFreeStagingBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>"CacheRegistry:Compression".</summary>
public sealed class CompressionOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Compression";

    /// <summary>zstd level used when the server compresses a blob it stores (1 fastest … 19 smallest).</summary>
    public int Level { get; set; } = 3;
}

/// <summary>"CacheRegistry:AccessTracking".</summary>
public sealed class AccessTrackingOptions
{
    public const string Section = CacheRegistryOptions.Section + ":AccessTracking";

    /// <summary>How often recorded hits are written to the database.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>"CacheRegistry:Gc": bounded storage and garbage collection.</summary>
public sealed class GcOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Gc";

    /// <summary>How often a pass runs (on the one replica that holds the lease).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Total stored bytes allowed across namespaces; 0: no global bound.</summary>
    public long GlobalMaxBytes { get; set; }

    /// <summary>When over a bound, evict until usage is at this fraction of it.</summary>
    public double LowWaterRatio { get; set; } = 0.8;

    /// <summary>Per-namespace bounds, by namespace name.</summary>
    public Dictionary<string, NamespaceQuota> Namespaces { get; set; } = [];

    /// <summary>Objects without metadata younger than this may belong to an upload in progress and are left alone.</summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Content used within this time is not evicted: a blob a client was just told is present (or just
    /// uploaded, or read) stays, so the client's next write naming it succeeds.
    /// </summary>
    public TimeSpan PresenceGracePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the log of deletes and overwrites that replicas poll is kept.</summary>
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Longest a pass may hold the lease; bounds how long a replica that died mid-pass blocks the others.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many rows or objects a pass handles per step (passes are incremental: serving never stalls).</summary>
    public int BatchSize { get; set; } = 500;
}

public sealed class NamespaceQuota
{
    public long MaxBytes { get; set; }

    /// <summary>Entries and blobs not used for longer than this are evicted.</summary>
    public TimeSpan? MaxAge { get; set; }
}
