using System.ComponentModel;

namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Grpc": the Remote Execution API (REAPI v2) cache services over gRPC.</summary>
public sealed class GrpcOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Grpc";

    [Description("The plaintext HTTP/2 (h2c) endpoint for grpc:// clients; empty turns it off. gRPC is also served on the HTTPS endpoints (grpcs://), which negotiate HTTP/2 by ALPN.")]
    public string? Url { get; set; } = "http://127.0.0.1:5081";

    [Description("Largest total of blob bytes in one BatchUpdateBlobs or BatchReadBlobs call (advertised in the capabilities).")]
    public long MaxBatchTotalSizeBytes { get; set; } = 4L * 1024 * 1024;

    [Description("Largest total of stdout, stderr and output file bytes GetActionResult inlines when asked to.")]
    public long MaxInlinedBytes { get; set; } = 1024 * 1024;

    [Description("Size of the chunks ByteStream.Read sends.")]
    public int ReadChunkBytes { get; set; } = 64 * 1024;

    [Description("Most directories in one GetTree page (a client may ask for fewer).")]
    public int MaxTreePageSize { get; set; } = 10_000;

    [Description("Largest Tree or Directory message the server reads to find what an action result names or to answer GetTree.")]
    public long MaxTreeBytes { get; set; } = 64L * 1024 * 1024;

    [Description("How long an interrupted ByteStream write can be resumed (QueryWriteStatus, then Write at the committed offset).")]
    public TimeSpan ResumableWriteTimeout { get; set; } = TimeSpan.FromHours(1);

    [Description("Most interrupted writes kept for resuming at once; past it the least recently used is dropped.")]
    public int MaxResumableWrites { get; set; } = 1000;

    [Description("Largest gRPC message the server accepts or sends: a full batch plus room for the digests around it.")]
    public int MaxMessageBytes => (int)Math.Min(int.MaxValue, MaxBatchTotalSizeBytes + 1024 * 1024);

    public void Check(SettingsCheck check)
    {
        if (!string.IsNullOrEmpty(Url) && !(Uri.TryCreate(Url, UriKind.Absolute, out var url) && url.Scheme == "http"))
            check.Fail(nameof(Url), $"is '{Url}'; use an http:// address (plaintext HTTP/2), or empty to turn it off");
        check.AtLeast(nameof(MaxBatchTotalSizeBytes), MaxBatchTotalSizeBytes, 64 * 1024);
        check.AtLeast(nameof(MaxInlinedBytes), MaxInlinedBytes, 0);
        check.Range(nameof(ReadChunkBytes), ReadChunkBytes, 1024, 4 * 1024 * 1024);
        check.Range(nameof(MaxTreePageSize), MaxTreePageSize, 1, 1_000_000);
        check.AtLeast(nameof(MaxTreeBytes), MaxTreeBytes, 1024);
        check.Positive(nameof(ResumableWriteTimeout), ResumableWriteTimeout);
        check.Range(nameof(MaxResumableWrites), MaxResumableWrites, 0, 1_000_000);
    }
}
