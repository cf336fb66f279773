using Build.Bazel.Remote.Execution.V2;
using Build.Bazel.Semver;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Grpc.Access;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.Services;

/// <summary>
/// What this server offers: a cache (no execution capabilities) with SHA-256 digests, action cache
/// updates, zstd for ByteStream and batch calls, the batch size limit, and REAPI 2.0 to 2.3 (the
/// version of our .proto files).
/// </summary>
public sealed class CapabilitiesService(IOptions<GrpcOptions> options) : Capabilities.CapabilitiesBase
{
    public static readonly SemVer LowestApiVersion = new() { Major = 2, Minor = 0 };
    public static readonly SemVer HighestApiVersion = new() { Major = 2, Minor = 3 };

    [ReapiAccess(CachePermission.Read)]
    public override Task<ServerCapabilities> GetCapabilities(GetCapabilitiesRequest request, ServerCallContext context)
    {
        var cache = new CacheCapabilities
        {
            ActionCacheUpdateCapabilities = new ActionCacheUpdateCapabilities { UpdateEnabled = true },
            CachePriorityCapabilities = new PriorityCapabilities { Priorities = { new PriorityCapabilities.Types.PriorityRange() } },
            MaxBatchTotalSizeBytes = options.Value.MaxBatchTotalSizeBytes,
            // Results are stored as given; symlink targets are the client's business.
            SymlinkAbsolutePathStrategy = SymlinkAbsolutePathStrategy.Types.Value.Allowed,
            DigestFunctions = { DigestFunction.Types.Value.Sha256 },
            SupportedCompressors = { Compressor.Types.Value.Zstd },
            SupportedBatchUpdateCompressors = { Compressor.Types.Value.Zstd },
        };
        return Task.FromResult(new ServerCapabilities
        {
            CacheCapabilities = cache,
            DeprecatedApiVersion = LowestApiVersion,
            LowApiVersion = LowestApiVersion,
            HighApiVersion = HighestApiVersion,
        });
    }
}
