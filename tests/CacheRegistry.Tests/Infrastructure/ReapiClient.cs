using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Common.Hashing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using ByteStreamClient = Google.Bytestream.ByteStream.ByteStreamClient;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Grpc.Net.Client stubs of a server's REAPI services (plaintext h2c by default, or HTTPS with a
/// handler that trusts a test CA), sending <c>authorization: Bearer</c> metadata when given a token.
/// </summary>
public sealed class ReapiClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public ReapiClient(Uri address, string? token = null, HttpMessageHandler? handler = null)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        });
        var invoker = token is null
            ? _channel.CreateCallInvoker()
            : _channel.Intercept(metadata =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return metadata;
            });
        Capabilities = new Capabilities.CapabilitiesClient(invoker);
        ActionCache = new ActionCache.ActionCacheClient(invoker);
        Cas = new ContentAddressableStorage.ContentAddressableStorageClient(invoker);
        ByteStream = new ByteStreamClient(invoker);
        Execution = new Execution.ExecutionClient(invoker);
        Invoker = invoker;
    }

    public Capabilities.CapabilitiesClient Capabilities { get; }

    public ActionCache.ActionCacheClient ActionCache { get; }

    public ContentAddressableStorage.ContentAddressableStorageClient Cas { get; }

    public ByteStreamClient ByteStream { get; }

    public Execution.ExecutionClient Execution { get; }

    public CallInvoker Invoker { get; }

    public static Digest DigestOf(byte[] content) => new() { Hash = Sha256Digest.Of(content).Hex, SizeBytes = content.Length };

    public static Digest DigestOf(IMessage message) => DigestOf(message.ToByteArray());

    /// <summary>Uploads blobs with one BatchUpdateBlobs call and checks each succeeded.</summary>
    public async Task UploadAsync(string instance, params byte[][] blobs)
    {
        var request = new BatchUpdateBlobsRequest { InstanceName = instance };
        request.Requests.AddRange(blobs.Select(b => new BatchUpdateBlobsRequest.Types.Request { Digest = DigestOf(b), Data = ByteString.CopyFrom(b) }));
        var response = await Cas.BatchUpdateBlobsAsync(request);
        Assert.All(response.Responses, r => Assert.Equal((int)StatusCode.OK, r.Status.Code));
    }

    /// <summary>The digests among those given that the instance lacks.</summary>
    public async Task<IReadOnlyList<string>> MissingAsync(string instance, params Digest[] digests)
    {
        var request = new FindMissingBlobsRequest { InstanceName = instance };
        request.BlobDigests.AddRange(digests);
        return (await Cas.FindMissingBlobsAsync(request)).MissingBlobDigests.Select(d => d.Hash).ToList();
    }

    public void Dispose() => _channel.Dispose();
}
