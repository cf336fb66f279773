namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Grpc": the Remote Execution API (REAPI v2) cache services over gRPC.</summary>
public sealed class GrpcOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Grpc";

    /// <summary>
    /// The plaintext HTTP/2 (h2c) endpoint for <c>grpc://</c> clients; empty turns it off. gRPC is also
    /// served on the HTTPS endpoints (<c>grpcs://</c>), which negotiate HTTP/2 by ALPN.
    /// </summary>
    public string? Url { get; set; } = "http://127.0.0.1:5081";

    /// <summary>Largest total of blob bytes in one BatchUpdateBlobs or BatchReadBlobs call (advertised in the capabilities).</summary>
    public long MaxBatchTotalSizeBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Largest total of stdout, stderr and output file bytes GetActionResult inlines when asked to.</summary>
    public long MaxInlinedBytes { get; set; } = 1024 * 1024;

    /// <summary>Size of the chunks ByteStream.Read sends.</summary>
    public int ReadChunkBytes { get; set; } = 64 * 1024;

    /// <summary>Most directories in one GetTree page (a client may ask for fewer).</summary>
    public int MaxTreePageSize { get; set; } = 10_000;

    /// <summary>Largest Tree or Directory message the server reads to find what an action result names or to answer GetTree.</summary>
    public long MaxTreeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long an interrupted ByteStream write can be resumed (QueryWriteStatus, then Write at the committed offset).</summary>
    public TimeSpan ResumableWriteTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most interrupted writes kept for resuming at once; past it the least recently used is dropped.</summary>
    public int MaxResumableWrites { get; set; } = 1000;

    /// <summary>Largest gRPC message the server accepts or sends: a full batch plus room for the digests around it.</summary>
    public int MaxMessageBytes => (int)Math.Min(int.MaxValue, MaxBatchTotalSizeBytes + 1024 * 1024);
}
