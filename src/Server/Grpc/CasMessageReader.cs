using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc;

/// <summary>
/// Reads protobuf messages stored as CAS blobs (Trees, Directories, action results), bounded by
/// <see cref="GrpcOptions.MaxTreeBytes"/>. A blob the namespace lacks, of another size than its digest
/// says, or lost by storage reads as null; content that does not parse is INVALID_ARGUMENT.
/// </summary>
public sealed class CasMessageReader(ContentStore cas, BlobReader reader, IOptions<GrpcOptions> options)
{
    public async Task<T?> ReadAsync<T>(NamespaceName ns, ReapiBlob blob, MessageParser<T> parser, string what, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var stored = await cas.FindAsync(ns, blob.Digest, cancellationToken);
        if (stored is null || stored.Size != blob.Size) return null;
        return await ReadStoredAsync(stored, parser, what, cancellationToken);
    }

    /// <summary>The message in a blob found already (an entry's value), or null when storage has lost it.</summary>
    public async Task<T?> ReadStoredAsync<T>(StoredBlob stored, MessageParser<T> parser, string what, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var limit = options.Value.MaxTreeBytes;
        if (stored.Size > limit) throw DomainException.Invalid($"{what} {stored.Digest} is {stored.Size} bytes, more than the {limit} bytes this server reads");
        var bytes = await ReadAllAsync(reader, stored, cancellationToken);
        if (bytes is null) return null;
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw DomainException.Invalid($"{what} {stored.Digest} is not a {typeof(T).Name} message: {e.Message}");
        }
    }

    /// <summary>A small blob's content in memory (callers bound the size), or null when storage has lost it.</summary>
    public static async Task<byte[]?> ReadAllAsync(BlobReader reader, StoredBlob stored, CancellationToken cancellationToken)
    {
        await using var content = await reader.OpenAsync(stored, clientAcceptsZstd: false, cancellationToken);
        if (content is null) return null;
        var bytes = new byte[stored.Size];
        await content.Stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }
}
