using System.Net;
using CacheRegistry.Tests.Infrastructure;
using Google.Bytestream;
using Google.Protobuf;
using Grpc.Core;
using static CacheRegistry.Tests.Grpc.ReapiTestData;
using static CacheRegistry.Tests.Infrastructure.ReapiClient;

namespace CacheRegistry.Tests.Grpc;

/// <summary>
/// ByteStream Read, Write and QueryWriteStatus with REAPI's resource names, through Grpc.Net.Client on
/// both storage configurations: chunked and resumed writes, zstd compressed-blobs both ways, offsets
/// and limits, and bad input refused with nothing stored.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ReapiByteStreamTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private const int Chunk = 64 * 1024;

    private ReapiClient Client => _client ??= new ReapiClient(Server.GrpcAddress!);
    private ReapiClient? _client;

    public override async Task DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }

    [BackendFact]
    public async Task A_chunked_write_is_read_back_whole_and_in_ranges()
    {
        var content = TestData.Random(3 * 1024 * 1024 + 17, seed: 1);
        var blob = $"{DigestOf(content).Hash}/{content.Length}";
        var written = await WriteAsync($"team/uploads/{Guid.NewGuid()}/blobs/{blob}", content);
        Assert.Equal(content.Length, written.CommittedSize);

        Assert.Equal(content, await ReadAsync($"team/blobs/{blob}"));
        Assert.Equal(content.AsSpan(1_000_000, 5_000).ToArray(), await ReadAsync($"team/blobs/{blob}", offset: 1_000_000, limit: 5_000));
        Assert.Equal(content.AsSpan(content.Length - 10).ToArray(), await ReadAsync($"team/blobs/{blob}", offset: content.Length - 10));
        Assert.Empty(await ReadAsync($"team/blobs/{blob}", offset: content.Length));
        Assert.Equal(content, await Http.GetByteArrayAsync($"team/cas/{DigestOf(content).Hash}")); // the same blob HTTP serves

        await AssertStatusAsync(StatusCode.OutOfRange, () => ReadAsync($"team/blobs/{blob}", offset: content.Length + 1));
        await AssertStatusAsync(StatusCode.OutOfRange, () => ReadAsync($"team/blobs/{blob}", offset: -1));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => ReadAsync($"team/blobs/{blob}", limit: -1));
        await AssertStatusAsync(StatusCode.NotFound, () => ReadAsync($"other/blobs/{blob}"));
        await AssertStatusAsync(StatusCode.NotFound, () => ReadAsync($"team/blobs/{DigestOf(content).Hash}/{content.Length - 1}"));
        var complete = await Client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = $"team/uploads/{Guid.NewGuid()}/blobs/{blob}" });
        Assert.True(complete.Complete);
        Assert.Equal(content.Length, complete.CommittedSize);
    }

    [BackendFact]
    public async Task Zstd_compressed_blobs_are_verified_kept_as_sent_and_served_compressed()
    {
        var content = TestData.Compressible(2 * 1024 * 1024, seed: 2);
        var frame = Compress(content, level: 9);
        var blob = $"{DigestOf(content).Hash}/{content.Length}";
        var written = await WriteAsync($"team/uploads/{Guid.NewGuid()}/compressed-blobs/zstd/{blob}", frame);
        Assert.Equal(frame.Length, written.CommittedSize);

        Assert.Equal(frame, await ReadAsync($"team/compressed-blobs/zstd/{blob}")); // the client's frame, not recompressed
        Assert.Equal(content, await ReadAsync($"team/blobs/{blob}"));
        Assert.Equal(content.AsSpan(123_456).ToArray(), Decompress(await ReadAsync($"team/compressed-blobs/zstd/{blob}", offset: 123_456)));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => ReadAsync($"team/compressed-blobs/zstd/{blob}", limit: 10));

        // Written plain, read compressed (compressed on the way).
        var plain = TestData.Random(300_000, seed: 3);
        await WriteAsync($"team/uploads/{Guid.NewGuid()}/blobs/{DigestOf(plain).Hash}/{plain.Length}", plain);
        Assert.Equal(plain, Decompress(await ReadAsync($"team/compressed-blobs/zstd/{DigestOf(plain).Hash}/{plain.Length}")));
        Assert.Equal(plain.AsSpan(1).ToArray(), Decompress(await ReadAsync($"team/compressed-blobs/zstd/{DigestOf(plain).Hash}/{plain.Length}", offset: 1)));
        Assert.Empty(Decompress(await ReadAsync($"team/compressed-blobs/zstd/{DigestOf([]).Hash}/0")));

        // A write of a blob the namespace has ends at once: -1 for a compressed write.
        Assert.Equal(-1, (await WriteAsync($"team/uploads/{Guid.NewGuid()}/compressed-blobs/zstd/{blob}", frame)).CommittedSize);
    }

    [BackendFact]
    public async Task An_interrupted_write_resumes_at_the_committed_size()
    {
        var content = TestData.Random(1024 * 1024 + 5, seed: 4);
        var resource = $"team/uploads/{Guid.NewGuid()}/blobs/{DigestOf(content).Hash}/{content.Length}";
        var sent = 6 * Chunk;

        // The first attempt sends six chunks, then its connection is cut.
        using (var cut = new CancellationTokenSource())
        {
            var call = Client.ByteStream.Write(cancellationToken: cut.Token);
            for (var offset = 0; offset < sent; offset += Chunk) await call.RequestStream.WriteAsync(Request(resource, content, offset, Chunk, finish: false));
            var committed = await WaitForCommittedAsync(resource, sent);
            Assert.Equal(sent, committed);
            cut.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
            call.Dispose();
        }
        Assert.Equal([DigestOf(content).Hash], await Client.MissingAsync("team", DigestOf(content)));
        var status = await Client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = resource });
        Assert.Equal(sent, status.CommittedSize);
        Assert.False(status.Complete);

        // Resuming anywhere else is refused; at the committed size it completes.
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync(resource, content, from: sent - 1));
        Assert.Equal(sent, (await Client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = resource })).CommittedSize);
        var written = await WriteAsync(resource, content, from: sent);
        Assert.Equal(content.Length, written.CommittedSize);
        Assert.Equal(content, await ReadAsync($"team/blobs/{DigestOf(content).Hash}/{content.Length}"));
        Assert.True((await Client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = resource })).Complete);
    }

    [BackendFact]
    public async Task A_write_closed_without_finish_write_reports_what_it_kept()
    {
        var content = TestData.Random(200_000, seed: 5);
        var resource = $"uploads/{Guid.NewGuid()}/blobs/{DigestOf(content).Hash}/{content.Length}";
        using var call = Client.ByteStream.Write();
        await call.RequestStream.WriteAsync(Request(resource, content, 0, 100_000, finish: false));
        await call.RequestStream.CompleteAsync();
        Assert.Equal(100_000, (await call).CommittedSize);
        Assert.Equal(200_000, (await WriteAsync(resource, content, from: 100_000)).CommittedSize);
        Assert.Equal(content, await Http.GetByteArrayAsync($"cas/{DigestOf(content).Hash}")); // no instance name: the default namespace
    }

    [BackendFact]
    public async Task A_wrong_digest_or_size_is_an_invalid_argument_and_nothing_is_stored()
    {
        var content = TestData.Random(300_000, seed: 6);
        var claimed = TestData.Random(300_000, seed: 7);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync($"team/uploads/{Guid.NewGuid()}/blobs/{DigestOf(claimed).Hash}/{content.Length}", content));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync($"team/uploads/{Guid.NewGuid()}/blobs/{DigestOf(content).Hash}/{content.Length - 1}", content));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync($"team/uploads/{Guid.NewGuid()}/blobs/{DigestOf(content).Hash}/{content.Length + 1}", content));
        var text = TestData.Compressible(100_000, seed: 8);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync($"team/uploads/{Guid.NewGuid()}/compressed-blobs/zstd/{DigestOf(text).Hash}/{text.Length + 1}", Compress(text)));
        await AssertStatusAsync(StatusCode.InvalidArgument, () => WriteAsync($"team/uploads/{Guid.NewGuid()}/compressed-blobs/zstd/{DigestOf(text).Hash}/{text.Length}", text)); // not zstd

        Assert.Equal(3, (await Client.MissingAsync("team", DigestOf(content), DigestOf(claimed), DigestOf(text))).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"team/cas/{DigestOf(content).Hash}")).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(Backend.StagingDirectory)); // nothing kept for a write that cannot complete
    }

    private static readonly (string Call, string Template)[] MalformedNames =
    [
        ("read", "team/blobs/abc/12"), ("read", "team/blobs/{hash}"), ("read", "team/blobs/{hash}/-1"), ("read", "team/blobs/{hash}/12/extra"),
        ("read", "team/compressed-blobs/deflate/{hash}/12"), ("read", "team/blobs/blake3/{hash}/12"), ("read", "a/b/blobs/{hash}/12"),
        ("read", "team/uploads/x/blobs/{hash}/12"), ("read", "nothing-here"), ("read", "api/blobs/{hash}/12"),
        ("write", "team/blobs/{hash}/12"), ("write", "team/uploads/blobs/{hash}/12"), ("write", "team/uploads/{uuid}/compressed-blobs/identity/{hash}/12"),
        ("write", "team/uploads/{uuid}/{hash}/12"), ("write", "team/uploads/a%20b/blobs/{hash}/12"), ("write", ""),
    ];

    [BackendFact]
    public async Task Malformed_resource_names_are_invalid_arguments()
    {
        var content = TestData.Random(12, seed: 9);
        foreach (var (call, template) in MalformedNames)
        {
            var resource = template.Replace("{hash}", DigestOf(content).Hash).Replace("{uuid}", Guid.NewGuid().ToString());
            var refused = await Assert.ThrowsAsync<RpcException>(() => call == "read" ? ReadAsync(resource) : WriteAsync(resource, content));
            Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{call} '{resource}': {refused.Status}");
        }
        Assert.Equal([DigestOf(content).Hash], await Client.MissingAsync("team", DigestOf(content)));
    }

    private static WriteRequest Request(string resource, byte[] content, int offset, int length, bool finish) => new()
    {
        ResourceName = resource, WriteOffset = offset, Data = ByteString.CopyFrom(content, offset, Math.Min(length, content.Length - offset)), FinishWrite = finish,
    };

    private async Task<WriteResponse> WriteAsync(string resource, byte[] data, int from = 0)
    {
        using var call = Client.ByteStream.Write();
        try
        {
            for (var offset = from; ; offset += Chunk)
            {
                await call.RequestStream.WriteAsync(Request(resource, data, offset, Chunk, finish: offset + Chunk >= data.Length));
                if (offset + Chunk >= data.Length) break;
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or InvalidOperationException)
        {
            // The server ended the call before the client finished sending: its answer says why.
        }
        return await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<byte[]> ReadAsync(string resource, long offset = 0, long limit = 0)
    {
        using var call = Client.ByteStream.Read(new ReadRequest { ResourceName = resource, ReadOffset = offset, ReadLimit = limit });
        var output = new MemoryStream();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.True(call.ResponseStream.Current.Data.Length <= Chunk, "read responses come in chunks");
            call.ResponseStream.Current.Data.WriteTo(output);
        }
        return output.ToArray();
    }

    private async Task<long> WaitForCommittedAsync(string resource, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var status = await Client.ByteStream.QueryWriteStatusAsync(new QueryWriteStatusRequest { ResourceName = resource });
                if (status.CommittedSize >= expected || DateTime.UtcNow > deadline) return status.CommittedSize;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(50);
        }
    }

    private static async Task AssertStatusAsync(StatusCode expected, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == refused.StatusCode, $"expected {expected}, got {refused.Status}");
    }
}
