using System.Net;
using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using static CacheRegistry.Tests.Grpc.ReapiTestData;
using static CacheRegistry.Tests.Infrastructure.ReapiClient;

namespace CacheRegistry.Tests.Grpc;

/// <summary>
/// REAPI's Capabilities and ContentAddressableStorage through Grpc.Net.Client against the real server
/// (plaintext gRPC endpoint), on both storage configurations: the same blobs as the HTTP doors.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ReapiCasTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int BatchLimit = 1024 * 1024;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["CacheRegistry:Grpc:MaxBatchTotalSizeBytes"] = BatchLimit.ToString(),
    };

    private ReapiClient Client => _client ??= new ReapiClient(Server.GrpcAddress!);
    private ReapiClient? _client;

    public override async Task DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }

    [BackendFact]
    public async Task Capabilities_describe_a_sha256_cache_with_zstd_and_the_batch_limit()
    {
        var capabilities = await Client.Capabilities.GetCapabilitiesAsync(new GetCapabilitiesRequest { InstanceName = "team" });
        var cache = capabilities.CacheCapabilities;
        Assert.Equal([DigestFunction.Types.Value.Sha256], cache.DigestFunctions);
        Assert.True(cache.ActionCacheUpdateCapabilities.UpdateEnabled);
        Assert.Equal(BatchLimit, cache.MaxBatchTotalSizeBytes);
        Assert.Contains(Compressor.Types.Value.Zstd, cache.SupportedCompressors);
        Assert.Contains(Compressor.Types.Value.Zstd, cache.SupportedBatchUpdateCompressors);
        Assert.Equal(SymlinkAbsolutePathStrategy.Types.Value.Allowed, cache.SymlinkAbsolutePathStrategy);
        Assert.Null(capabilities.ExecutionCapabilities); // a cache: no remote execution
        Assert.Equal((2, 0), (capabilities.LowApiVersion.Major, capabilities.LowApiVersion.Minor));
        Assert.Equal((2, 3), (capabilities.HighApiVersion.Major, capabilities.HighApiVersion.Minor));
    }

    [BackendFact]
    public async Task Batch_uploads_identity_and_zstd_are_the_same_blobs_http_serves()
    {
        var plain = TestData.Random(10_000, seed: 1);
        var text = TestData.Compressible(200_000, seed: 2);
        var frame = Compress(text);
        Assert.Equal([DigestOf(plain).Hash, DigestOf(text).Hash], await Client.MissingAsync("team", DigestOf(plain), DigestOf(text), DigestOf([])));

        var update = new BatchUpdateBlobsRequest { InstanceName = "team" };
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(plain), Data = ByteString.CopyFrom(plain) });
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(text), Data = ByteString.CopyFrom(frame), Compressor = Compressor.Types.Value.Zstd });
        var updated = await Client.Cas.BatchUpdateBlobsAsync(update);
        Assert.Equal([(int)StatusCode.OK, (int)StatusCode.OK], updated.Responses.Select(r => r.Status.Code));
        Assert.Empty(await Client.MissingAsync("team", DigestOf(plain), DigestOf(text)));
        Assert.Equal(2, (await Client.MissingAsync("other", DigestOf(plain), DigestOf(text))).Count); // per namespace

        // The same blobs over HTTP, in the namespace the instance name names.
        Assert.Equal(text, await Http.GetByteArrayAsync($"team/cas/{DigestOf(text).Hash}"));
        Assert.Equal(plain, await Http.GetByteArrayAsync($"team/cas/{DigestOf(plain).Hash}"));

        // Read back with zstd accepted: the compressible blob comes as the client's own frame, the other as is.
        var read = new BatchReadBlobsRequest { InstanceName = "team", AcceptableCompressors = { Compressor.Types.Value.Zstd } };
        read.Digests.Add(DigestOf(text));
        read.Digests.Add(DigestOf(plain));
        read.Digests.Add(DigestOf([]));
        var blobs = (await Client.Cas.BatchReadBlobsAsync(read)).Responses;
        Assert.All(blobs, b => Assert.Equal((int)StatusCode.OK, b.Status.Code));
        Assert.Equal(Compressor.Types.Value.Zstd, blobs[0].Compressor);
        Assert.Equal(frame, blobs[0].Data.ToByteArray()); // kept as sent, not recompressed
        Assert.Equal(plain, blobs[1].Compressor == Compressor.Types.Value.Zstd ? Decompress(blobs[1].Data.ToByteArray()) : blobs[1].Data.ToByteArray());
        Assert.Empty(blobs[2].Data);

        // Without zstd accepted: plain bytes.
        read.AcceptableCompressors.Clear();
        blobs = (await Client.Cas.BatchReadBlobsAsync(read)).Responses;
        Assert.Equal(Compressor.Types.Value.Identity, blobs[0].Compressor);
        Assert.Equal(text, blobs[0].Data.ToByteArray());
    }

    [BackendFact]
    public async Task Http_uploads_are_served_over_grpc()
    {
        var content = TestData.Compressible(5_000, seed: 3);
        Assert.Equal(HttpStatusCode.Created, (await Http.PutAsync($"team/cas/{DigestOf(content).Hash}", new ByteArrayContent(content))).StatusCode);
        var read = new BatchReadBlobsRequest { InstanceName = "team", Digests = { DigestOf(content) } };
        Assert.Equal(content, (await Client.Cas.BatchReadBlobsAsync(read)).Responses.Single().Data.ToByteArray());
    }

    [BackendFact]
    public async Task A_batch_refuses_wrong_blobs_one_by_one_and_stores_nothing_of_them()
    {
        var good = TestData.Random(1_000, seed: 4);
        var other = TestData.Random(1_000, seed: 5);
        var update = new BatchUpdateBlobsRequest { InstanceName = "team" };
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(other), Data = ByteString.CopyFrom(good) }); // wrong digest
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = new Digest { Hash = DigestOf(good).Hash, SizeBytes = 999 }, Data = ByteString.CopyFrom(good) });
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(good), Data = ByteString.CopyFrom(Compress(good)), Compressor = Compressor.Types.Value.Deflate });
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = new Digest { Hash = "not-a-digest", SizeBytes = 1 }, Data = ByteString.CopyFrom([1]) });
        var zstdWrongSize = TestData.Compressible(3_000, seed: 6);
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request
        {
            Digest = new Digest { Hash = DigestOf(zstdWrongSize).Hash, SizeBytes = 2_999 }, Data = ByteString.CopyFrom(Compress(zstdWrongSize)), Compressor = Compressor.Types.Value.Zstd,
        });
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(other), Data = ByteString.CopyFrom(other) }); // fine
        var responses = (await Client.Cas.BatchUpdateBlobsAsync(update)).Responses;

        Assert.Equal(Enumerable.Repeat((int)StatusCode.InvalidArgument, 5).Append((int)StatusCode.OK), responses.Select(r => r.Status.Code));
        Assert.Contains(DigestOf(good).Hash, responses[0].Status.Message);
        Assert.Equal([DigestOf(good).Hash, DigestOf(zstdWrongSize).Hash], await Client.MissingAsync("team", DigestOf(good), DigestOf(zstdWrongSize), DigestOf(other)));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"team/cas/{DigestOf(good).Hash}")).StatusCode);
    }

    [BackendFact]
    public async Task Batches_over_the_advertised_limit_and_malformed_requests_are_invalid_arguments()
    {
        var big = TestData.Random(BatchLimit / 2 + 1, seed: 7);
        var bigger = TestData.Random(BatchLimit / 2 + 1, seed: 8);
        var update = new BatchUpdateBlobsRequest { InstanceName = "team" };
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(big), Data = ByteString.CopyFrom(big) });
        update.Requests.Add(new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(bigger), Data = ByteString.CopyFrom(bigger) });
        await AssertStatusAsync(StatusCode.InvalidArgument, () => Client.Cas.BatchUpdateBlobsAsync(update).ResponseAsync);
        Assert.Equal(2, (await Client.MissingAsync("team", DigestOf(big), DigestOf(bigger))).Count);

        var read = new BatchReadBlobsRequest { InstanceName = "team", Digests = { DigestOf(big), DigestOf(bigger) } };
        await AssertStatusAsync(StatusCode.InvalidArgument, () => Client.Cas.BatchReadBlobsAsync(read).ResponseAsync);

        await AssertStatusAsync(StatusCode.InvalidArgument, () => Client.Cas.FindMissingBlobsAsync(new FindMissingBlobsRequest
        {
            InstanceName = "team", BlobDigests = { new Digest { Hash = "ABC", SizeBytes = 1 } },
        }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => Client.Cas.FindMissingBlobsAsync(new FindMissingBlobsRequest
        {
            InstanceName = "team", BlobDigests = { DigestOf(big) }, DigestFunction = DigestFunction.Types.Value.Blake3,
        }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => Client.Cas.FindMissingBlobsAsync(new FindMissingBlobsRequest
        {
            InstanceName = "two/segments", BlobDigests = { DigestOf(big) },
        }).ResponseAsync);
    }

    [BackendFact]
    public async Task Batch_reads_answer_not_found_per_missing_blob()
    {
        var present = TestData.Random(100, seed: 9);
        await Client.UploadAsync("", present);
        var read = new BatchReadBlobsRequest { Digests = { DigestOf(present), DigestOf(TestData.Random(100, seed: 10)), new Digest { Hash = DigestOf(present).Hash, SizeBytes = 99 } } };
        var responses = (await Client.Cas.BatchReadBlobsAsync(read)).Responses;
        Assert.Equal([(int)StatusCode.OK, (int)StatusCode.NotFound, (int)StatusCode.NotFound], responses.Select(r => r.Status.Code));
        Assert.Equal(present, responses[0].Data.ToByteArray());
        // The empty instance name is the default namespace.
        Assert.Equal(present, await Http.GetByteArrayAsync($"cas/{DigestOf(present).Hash}"));
    }

    [BackendFact]
    public async Task GetTree_returns_every_directory_in_pages_and_resumes_from_a_page_token()
    {
        // root/{a, b/{c}, d}, where d and a are the same (empty) directory: each distinct directory once.
        var file = TestData.Random(50, seed: 11);
        var c = new Build.Bazel.Remote.Execution.V2.Directory { Files = { new FileNode { Name = "f", Digest = DigestOf(file) } } };
        var a = new Build.Bazel.Remote.Execution.V2.Directory();
        var b = new Build.Bazel.Remote.Execution.V2.Directory { Directories = { new DirectoryNode { Name = "c", Digest = DigestOf(c) } } };
        var e = new Build.Bazel.Remote.Execution.V2.Directory { Files = { new FileNode { Name = "g", Digest = DigestOf(file), IsExecutable = true } } };
        var root = new Build.Bazel.Remote.Execution.V2.Directory
        {
            Directories =
            {
                new DirectoryNode { Name = "a", Digest = DigestOf(a) }, new DirectoryNode { Name = "b", Digest = DigestOf(b) },
                new DirectoryNode { Name = "d", Digest = DigestOf(a) }, new DirectoryNode { Name = "e", Digest = DigestOf(e) },
            },
        };
        await Client.UploadAsync("team", file, c.ToByteArray(), a.ToByteArray(), b.ToByteArray(), e.ToByteArray(), root.ToByteArray());

        var pages = await GetTreeAsync(new GetTreeRequest { InstanceName = "team", RootDigest = DigestOf(root), PageSize = 2 });
        Assert.Equal([2, 2, 1], pages.Select(p => p.Directories.Count));
        Assert.Equal(["2", "4", ""], pages.Select(p => p.NextPageToken));
        Assert.Equal(new[] { root, a, b, e, c }.Select(d => DigestOf(d).Hash), pages.SelectMany(p => p.Directories).Select(d => DigestOf(d).Hash));

        // A client whose stream broke after the first page resumes with its token.
        var resumed = await GetTreeAsync(new GetTreeRequest { InstanceName = "team", RootDigest = DigestOf(root), PageSize = 2, PageToken = pages[0].NextPageToken });
        Assert.Equal(new[] { b, e, c }.Select(d => DigestOf(d).Hash), resumed.SelectMany(p => p.Directories).Select(d => DigestOf(d).Hash));

        // Without a page size: one page. A missing subdirectory is left out; a missing root is NOT_FOUND.
        var partial = new Build.Bazel.Remote.Execution.V2.Directory { Directories = { new DirectoryNode { Name = "b", Digest = DigestOf(b) }, new DirectoryNode { Name = "x", Digest = DigestOf(TestData.Random(3)) } } };
        await Client.UploadAsync("team", partial.ToByteArray());
        var whole = Assert.Single(await GetTreeAsync(new GetTreeRequest { InstanceName = "team", RootDigest = DigestOf(partial) }));
        Assert.Equal(new[] { partial, b, c }.Select(d => DigestOf(d).Hash), whole.Directories.Select(d => DigestOf(d).Hash));
        await AssertStatusAsync(StatusCode.NotFound, () => GetTreeAsync(new GetTreeRequest { InstanceName = "other", RootDigest = DigestOf(root) }));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => GetTreeAsync(new GetTreeRequest { InstanceName = "team", RootDigest = DigestOf(root), PageToken = "not-ours" }));
    }

    [BackendFact]
    public async Task Execution_and_services_that_are_not_served_are_unimplemented()
    {
        using var execute = Client.Execution.Execute(new ExecuteRequest { InstanceName = "team", ActionDigest = DigestOf(TestData.Random(10)) });
        var refused = await Assert.ThrowsAsync<RpcException>(() => execute.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);

        // The Remote Asset API (what BuildStream 2's artifact cache needs) is not served either.
        var fetch = new Method<Empty, Empty>(MethodType.Unary, "build.bazel.remote.asset.v1.Fetch", "FetchBlob", Marshallers.Create(_ => [], _ => new Empty()), Marshallers.Create(_ => [], _ => new Empty()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.Invoker.AsyncUnaryCall(fetch, null, new CallOptions(), new Empty()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, unknown.StatusCode);
    }

    private async Task<List<GetTreeResponse>> GetTreeAsync(GetTreeRequest request)
    {
        using var call = Client.Cas.GetTree(request);
        var pages = new List<GetTreeResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) pages.Add(call.ResponseStream.Current);
        return pages;
    }

    private static async Task AssertStatusAsync(StatusCode expected, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == refused.StatusCode, $"expected {expected}, got {refused.Status}");
    }

    private sealed class Empty;
}
