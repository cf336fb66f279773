using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>One isolated store for a server under test: its settings and a view of what it has written.</summary>
public abstract class TestBackend : IAsyncDisposable
{
    protected TestBackend()
    {
        DataDirectory = Directory.CreateTempSubdirectory("cacheregistry-test-").FullName;
    }

    public string DataDirectory { get; }

    public string StagingDirectory => Path.Combine(DataDirectory, "staging");

    public abstract string Name { get; }

    /// <summary>A fresh store of the named configuration (see <see cref="BackendMatrix"/>).</summary>
    public static async Task<TestBackend> CreateAsync(string name, BackendInfrastructure infrastructure) => name switch
    {
        BackendMatrix.Embedded => new SqliteFileSystemBackend(),
        BackendMatrix.PostgresS3 => await PostgresS3Backend.CreateAsync(infrastructure),
        _ => throw new ArgumentException($"no storage configuration named {name}"),
    };

    public virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["CacheRegistry:DataDirectory"] = DataDirectory,
        ["CacheRegistry:AccessTracking:FlushInterval"] = "00:00:00.200",
    };

    /// <summary>
    /// Settings for a second server over the same store (a replica): it has its own data directory
    /// (each server locks its own), and reaches the same database and blobs.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string?> ReplicaSettings(string dataDirectory) =>
        new Dictionary<string, string?>(Settings) { ["CacheRegistry:DataDirectory"] = dataDirectory };

    /// <summary>Every content object the blob store holds (blobs and upload parts; not the storage's marker), by key.</summary>
    public abstract Task<IReadOnlyList<string>> ListStoredObjectsAsync();

    /// <summary>Writes an object behind the server's back (to stage what a crash leaves).</summary>
    public abstract Task PutObjectAsync(string key, byte[] content);

    /// <summary>Deletes an object behind the server's back (to stage a lost object).</summary>
    public abstract Task DeleteObjectAsync(string key);

    protected static bool IsContent(string key) => !key.StartsWith("meta/", StringComparison.Ordinal);

    public virtual ValueTask DisposeAsync()
    {
        Directory.Delete(DataDirectory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The embedded default: SQLite and the filesystem.</summary>
public sealed class SqliteFileSystemBackend : TestBackend
{
    public override string Name => BackendMatrix.Embedded;

    /// <summary>The embedded database the server keeps in its data directory.</summary>
    public string DatabaseFile => Path.Combine(DataDirectory, "cacheregistry.db");

    public override IReadOnlyDictionary<string, string?> ReplicaSettings(string dataDirectory) =>
        new Dictionary<string, string?>(base.ReplicaSettings(dataDirectory))
        {
            ["CacheRegistry:Database:ConnectionString"] = $"Data Source={DatabaseFile}",
            ["CacheRegistry:Storage:Path"] = BlobRoot,
        };

    private string BlobRoot => Path.Combine(DataDirectory, "blobs");

    public override async Task PutObjectAsync(string key, byte[] content)
    {
        var path = Path.Combine(BlobRoot, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content);
    }

    public override Task DeleteObjectAsync(string key)
    {
        File.Delete(Path.Combine(BlobRoot, key));
        return Task.CompletedTask;
    }

    public override Task<IReadOnlyList<string>> ListStoredObjectsAsync()
    {
        var root = BlobRoot;
        IReadOnlyList<string> keys = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Where(IsContent).Order().ToList()
            : [];
        return Task.FromResult(keys);
    }
}

/// <summary>The production profile: PostgreSQL and S3, each store in its own database and key prefix.</summary>
public sealed class PostgresS3Backend : TestBackend
{
    private readonly PostgresServer _postgres;
    private readonly string _connectionString;
    private readonly S3Emulator _s3;
    private readonly string _prefix = $"t{Guid.NewGuid():N}/";

    private PostgresS3Backend(PostgresServer postgres, string connectionString, S3Emulator s3)
    {
        _postgres = postgres;
        _connectionString = connectionString;
        _s3 = s3;
    }

    public static async Task<PostgresS3Backend> CreateAsync(BackendInfrastructure infrastructure) =>
        await CreateOnAsync(await infrastructure.PostgresAsync(), await infrastructure.S3Async());

    /// <summary>A store on the given servers (a test's own, which it may stop and start).</summary>
    public static async Task<PostgresS3Backend> CreateOnAsync(PostgresServer postgres, S3Emulator s3) =>
        new(postgres, await postgres.CreateDatabaseAsync(), s3);

    public override async ValueTask DisposeAsync()
    {
        await _postgres.DropDatabaseAsync(_connectionString);
        await base.DisposeAsync();
    }

    public override string Name => BackendMatrix.PostgresS3;

    public override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["CacheRegistry:Database:Provider"] = "PostgreSQL",
        ["CacheRegistry:Database:ConnectionString"] = _connectionString,
        ["CacheRegistry:Storage:Provider"] = "S3",
        ["CacheRegistry:Storage:S3:Bucket"] = S3Emulator.Bucket,
        ["CacheRegistry:Storage:S3:ServiceUrl"] = _s3.ServiceUrl,
        ["CacheRegistry:Storage:S3:ForcePathStyle"] = "true",
        ["CacheRegistry:Storage:S3:AccessKey"] = S3Emulator.AccessKey,
        ["CacheRegistry:Storage:S3:SecretKey"] = S3Emulator.SecretKey,
        ["CacheRegistry:Storage:S3:KeyPrefix"] = _prefix,
        // Small parts so that the large-blob tests exercise multipart uploads.
        ["CacheRegistry:Storage:S3:MultipartThresholdBytes"] = (8 * 1024 * 1024).ToString(),
        ["CacheRegistry:Storage:S3:PartSizeBytes"] = (5 * 1024 * 1024).ToString(),
    };

    public override async Task PutObjectAsync(string key, byte[] content)
    {
        using var s3 = Connect();
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = S3Emulator.Bucket, Key = _prefix + key, InputStream = new MemoryStream(content) });
    }

    public override async Task DeleteObjectAsync(string key)
    {
        using var s3 = Connect();
        await s3.DeleteObjectAsync(S3Emulator.Bucket, _prefix + key);
    }

    private AmazonS3Client Connect() => _s3.Connect();

    public override async Task<IReadOnlyList<string>> ListStoredObjectsAsync()
    {
        using var s3 = Connect();
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = S3Emulator.Bucket, Prefix = _prefix };
        ListObjectsV2Response response;
        do
        {
            response = await s3.ListObjectsV2Async(request);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key[_prefix.Length..]));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return keys.Where(IsContent).Order().ToList();
    }
}
