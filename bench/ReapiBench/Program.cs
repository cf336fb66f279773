using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Build.Bazel.Remote.Execution.V2;
using Grpc.Net.Client;

// The REAPI gRPC door against its HTTP equivalents on one running server, same namespace, same blobs:
//   FindMissingBlobs of FIND_DIGESTS digests (half stored) against POST /{ns}/api/v1/cas/find-missing;
//   BatchReadBlobs of BLOBS blobs of BLOB_SIZE bytes (split by the server's max_batch_total_size_bytes)
//   against as many GET /{ns}/cas/{digest}, CONCURRENCY at a time on one HttpClient.
// The blobs are stored first with HTTP PUT /{ns}/cas/{digest}. Every answer is checked (exactly the
// absent half is missing; every blob comes back byte for byte); a wrong one fails the run.
// Usage: ReapiBench <http base URL> <grpc base URL>   (settings from the environment, see below)
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ReapiBench <http://host:port> <http://host:grpc-port>");
    return 2;
}
var httpBase = new Uri(args[0].TrimEnd('/') + "/");
var grpcBase = new Uri(args[1]);
var ns = Setting("NS", "bench");
var reps = int.Parse(Setting("REPS", "20"), CultureInfo.InvariantCulture);
var warmup = int.Parse(Setting("WARMUP", "3"), CultureInfo.InvariantCulture);
var findDigests = int.Parse(Setting("FIND_DIGESTS", "10000"), CultureInfo.InvariantCulture);
var blobCount = int.Parse(Setting("BLOBS", "1000"), CultureInfo.InvariantCulture);
var blobSize = int.Parse(Setting("BLOB_SIZE", "1024"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(Setting("CONCURRENCY", "32"), CultureInfo.InvariantCulture);
if (blobCount > findDigests / 2) throw new ArgumentException("BLOBS must be at most FIND_DIGESTS / 2 (the batch-read blobs are among the stored half)");

using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = concurrency })
{
    BaseAddress = httpBase,
    Timeout = TimeSpan.FromMinutes(2),
};
using var channel = GrpcChannel.ForAddress(grpcBase, new GrpcChannelOptions
{
    MaxReceiveMessageSize = 64 * 1024 * 1024,
    MaxSendMessageSize = 64 * 1024 * 1024,
});
var cas = new ContentAddressableStorage.ContentAddressableStorageClient(channel);
var capabilities = await new Capabilities.CapabilitiesClient(channel).GetCapabilitiesAsync(new GetCapabilitiesRequest { InstanceName = ns });
var batchLimit = capabilities.CacheCapabilities.MaxBatchTotalSizeBytes is > 0 and var l ? l : 4L * 1024 * 1024;

// --- Data: the stored half (random, incompressible blobs) and the absent half (never stored) ---------
var random = new Random(20261130);
var stored = new List<Blob>(findDigests / 2);
for (var i = 0; i < findDigests / 2; i++)
{
    var content = new byte[blobSize];
    random.NextBytes(content);
    stored.Add(new Blob(Convert.ToHexStringLower(SHA256.HashData(content)), content));
}
var absent = new List<string>(findDigests - stored.Count);
for (var i = 0; i < findDigests - stored.Count; i++)
{
    var content = new byte[blobSize];
    random.NextBytes(content);
    absent.Add(Convert.ToHexStringLower(SHA256.HashData(content)));
}
var queried = stored.Select(b => b.Hex).Concat(absent).OrderBy(_ => random.Next()).ToList(); // present and absent mixed
var absentSet = absent.ToHashSet();
var readBlobs = stored.Take(blobCount).ToList();

Console.Error.WriteLine($"storing {stored.Count} blobs of {blobSize} bytes with HTTP PUT /{ns}/cas/{{digest}} ...");
await ForEachConcurrently(stored, concurrency, async blob =>
{
    using var body = new ByteArrayContent(blob.Content);
    using var response = await http.PutAsync($"{ns}/cas/{blob.Hex}", body);
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PUT {blob.Hex}: {(int)response.StatusCode}");
});

// --- The four operations, each checked on every call -------------------------------------------
var grpcFindRequest = new FindMissingBlobsRequest { InstanceName = ns, DigestFunction = DigestFunction.Types.Value.Sha256 };
grpcFindRequest.BlobDigests.AddRange(queried.Select(h => new Digest { Hash = h, SizeBytes = blobSize }));
async Task<IReadOnlyCollection<string>> GrpcFindMissing()
{
    var response = await cas.FindMissingBlobsAsync(grpcFindRequest);
    return response.MissingBlobDigests.Select(d => d.Hash).ToList();
}

var httpFindBody = new FindMissingBody(queried);
async Task<IReadOnlyCollection<string>> HttpFindMissing()
{
    using var response = await http.PostAsJsonAsync($"{ns}/api/v1/cas/find-missing", httpFindBody, Json.Options);
    response.EnsureSuccessStatusCode();
    var answer = await response.Content.ReadFromJsonAsync<FindMissingAnswer>(Json.Options);
    return answer?.Missing ?? throw new InvalidOperationException("find-missing: empty answer");
}

var grpcBatches = new List<BatchReadBlobsRequest>();
foreach (var blob in readBlobs)
{
    if (grpcBatches.Count == 0 || (grpcBatches[^1].Digests.Count + 1) * (long)blobSize > batchLimit)
    {
        grpcBatches.Add(new BatchReadBlobsRequest { InstanceName = ns, DigestFunction = DigestFunction.Types.Value.Sha256 });
    }
    grpcBatches[^1].Digests.Add(new Digest { Hash = blob.Hex, SizeBytes = blobSize });
}
async Task<Dictionary<string, byte[]>> GrpcBatchRead()
{
    var read = new Dictionary<string, byte[]>(readBlobs.Count);
    foreach (var batch in grpcBatches)
    {
        var response = await cas.BatchReadBlobsAsync(batch);
        foreach (var item in response.Responses)
        {
            if (item.Status.Code != 0) throw new InvalidOperationException($"BatchReadBlobs {item.Digest.Hash}: status {item.Status.Code} {item.Status.Message}");
            if (item.Compressor != Compressor.Types.Value.Identity) throw new InvalidOperationException($"BatchReadBlobs {item.Digest.Hash}: compressor {item.Compressor}, asked for identity");
            read[item.Digest.Hash] = item.Data.ToByteArray();
        }
    }
    return read;
}

async Task<Dictionary<string, byte[]>> HttpGets()
{
    var read = new Dictionary<string, byte[]>(readBlobs.Count);
    await ForEachConcurrently(readBlobs, concurrency, async blob =>
    {
        using var response = await http.GetAsync($"{ns}/cas/{blob.Hex}");
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {blob.Hex}: {(int)response.StatusCode}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        lock (read) read[blob.Hex] = bytes;
    });
    return read;
}

void CheckMissing(string what, IReadOnlyCollection<string> missing)
{
    if (missing.Count != absentSet.Count || !missing.All(absentSet.Contains) || missing.Distinct().Count() != missing.Count)
    {
        throw new InvalidOperationException($"{what}: {missing.Count} missing named, expected exactly the {absentSet.Count} absent digests");
    }
}

void CheckBlobs(string what, Dictionary<string, byte[]> read)
{
    if (read.Count != readBlobs.Count) throw new InvalidOperationException($"{what}: {read.Count} blobs came back, expected {readBlobs.Count}");
    foreach (var blob in readBlobs)
    {
        if (!read.TryGetValue(blob.Hex, out var bytes) || !bytes.AsSpan().SequenceEqual(blob.Content))
        {
            throw new InvalidOperationException($"{what}: blob {blob.Hex} did not come back byte for byte");
        }
    }
}

Operation[] operations =
[
    new($"FindMissingBlobs, {findDigests:N0} digests (half present)", "gRPC `FindMissingBlobs`", "`POST /{ns}/api/v1/cas/find-missing`",
        async () => { var r = await GrpcFindMissing(); return () => CheckMissing("gRPC FindMissingBlobs", r); },
        async () => { var r = await HttpFindMissing(); return () => CheckMissing("HTTP find-missing", r); }),
    new($"BatchReadBlobs, {blobCount:N0} blobs of {blobSize:N0} bytes", $"gRPC `BatchReadBlobs` ({grpcBatches.Count} call{(grpcBatches.Count == 1 ? "" : "s")})",
        $"{blobCount:N0} × `GET /{{ns}}/cas/{{digest}}`, {concurrency} concurrent",
        async () => { var r = await GrpcBatchRead(); return () => CheckBlobs("gRPC BatchReadBlobs", r); },
        async () => { var r = await HttpGets(); return () => CheckBlobs("HTTP GET", r); }),
];

// --- Warm-up, then REPS timed repetitions, gRPC and HTTP alternating (and alternating who goes first) --
var times = operations.ToDictionary(o => o, _ => (Grpc: new List<double>(), Http: new List<double>()));
for (var rep = -warmup; rep < reps; rep++)
{
    Console.Error.WriteLine(rep < 0 ? $"warm-up {rep + warmup + 1}/{warmup} ..." : $"repetition {rep + 1}/{reps} ...");
    foreach (var operation in operations)
    {
        var grpcFirst = (rep & 1) == 0;
        for (var k = 0; k < 2; k++)
        {
            var isGrpc = (k == 0) == grpcFirst;
            var started = Stopwatch.GetTimestamp();
            var check = await (isGrpc ? operation.Grpc() : operation.Http());
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            check(); // outside the timed part: the same cost either way, not the protocol's
            if (rep < 0) continue;
            (isGrpc ? times[operation].Grpc : times[operation].Http).Add(ms);
        }
    }
}

var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
var output = new StringBuilder();
output.AppendLine(CultureInfo.InvariantCulture, $"{reps} timed repetitions after {warmup} warm-up, ms (median, p90); every answer checked; namespace `{ns}`; " +
    $"gRPC batch limit {batchLimit:N0} bytes; {Environment.ProcessorCount} cores, load average {load}, .NET {Environment.Version}");
output.AppendLine();
output.AppendLine("| operation | gRPC | HTTP | gRPC median | gRPC p90 | HTTP median | HTTP p90 | gRPC ÷ HTTP (median) |");
output.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var operation in operations)
{
    var (g, h) = times[operation];
    output.AppendLine(CultureInfo.InvariantCulture,
        $"| {operation.Name} | {operation.GrpcName} | {operation.HttpName} | {Percentile(g, 0.5):F1} | {Percentile(g, 0.9):F1} | {Percentile(h, 0.5):F1} | {Percentile(h, 0.9):F1} | {Percentile(g, 0.5) / Percentile(h, 0.5):F2}× |");
}
Console.Write(output.ToString());
return 0;

static string Setting(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

// Nearest rank: the smallest value with at least p of the values at or below it.
static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static Task ForEachConcurrently<T>(IEnumerable<T> items, int concurrency, Func<T, Task> body) =>
    Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (item, _) => await body(item));

internal sealed record Blob(string Hex, byte[] Content);

// Grpc and Http make one call (or set of calls) and return the check of its answer, run after the timing.
internal sealed record Operation(string Name, string GrpcName, string HttpName, Func<Task<System.Action>> Grpc, Func<Task<System.Action>> Http);

internal sealed record FindMissingBody(IReadOnlyList<string> Digests);

internal sealed record FindMissingAnswer(List<string> Missing);

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
