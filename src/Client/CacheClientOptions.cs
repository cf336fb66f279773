namespace CacheRegistry.Client;

/// <summary>Where a <see cref="CacheClient"/> connects and how it transfers.</summary>
public sealed record CacheClientOptions
{
    /// <summary>The server's base address, e.g. https://cache.example.com/.</summary>
    public required Uri Server { get; init; }

    /// <summary>The namespace to read and write; null means the server's default namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Sent as a bearer token when set.</summary>
    public string? Token { get; init; }

    /// <summary>PEM file of CA certificates to trust for the server's HTTPS certificate (e.g. a company CA), instead of the system's.</summary>
    public string? CaBundlePath { get; init; }

    /// <summary>Compress uploads with zstd on the way (the server keeps the frame as sent).</summary>
    public bool CompressUploads { get; init; } = true;

    /// <summary>zstd level for compressed uploads (1 fastest, 19 smallest).</summary>
    public int CompressionLevel { get; init; } = 3;

    /// <summary>
    /// Retries after the first attempt for transient failures (connection errors, 5xx, 408, 429) of
    /// requests that are safe to repeat; a Retry-After from the server sets the wait. 0: no retries.
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first retry's delay; each further one doubles it, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Files larger than this are uploaded in resumable parts.</summary>
    public long ResumableUploadThreshold { get; init; } = 64L * 1024 * 1024;

    /// <summary>Size of each part of a resumable upload.</summary>
    public long UploadPartSize { get; init; } = 32L * 1024 * 1024;

    /// <summary>How many uploads or downloads run at once in the batch operations.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// Where the sessions of resumable uploads are remembered, so that an upload interrupted in one
    /// process resumes in the next (e.g. a <see cref="FileUploadSessionStore"/>); null: only within a call.
    /// </summary>
    public IUploadSessionStore? UploadSessions { get; init; }
}
