using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Http;

/// <summary>The GET/HEAD/PUT/DELETE handling every keyed-entry protocol shares (authorization is the endpoints' own, declared).</summary>
public sealed class EntryRequests(EntryStore entries, BlobReader reader, IOptions<CacheLimitsOptions> limits)
{
    /// <summary>The entry, or null on a miss.</summary>
    public Task<FoundEntry?> FindAsync(HttpContext context, EntryAddress address) => entries.FindAsync(address, context.RequestAborted);

    public Task WriteAsync(HttpContext context, FoundEntry? entry) => HttpEncoding.WriteBlobOrNotFoundAsync(context, entry?.Value, reader);

    /// <summary>Answers GET or HEAD with the entry's value, or 404.</summary>
    public async Task GetAsync(HttpContext context, EntryAddress address) => await WriteAsync(context, await FindAsync(context, address));

    /// <summary>Stores the request body (or <paramref name="body"/>, what was read of it put back) under the address. True when the entry is new.</summary>
    public async Task<bool> PutAsync(HttpContext context, EntryAddress address, EntryWriteMode mode, IReadOnlyDictionary<string, string>? metadata = null,
        Stream? body = null, IReadOnlyCollection<Common.Hashing.Sha256Digest>? extraReferences = null)
    {
        var maxSize = address.Kind == EntryKind.Action ? limits.Value.MaxActionEntryBytes : limits.Value.MaxBlobBytes;
        HttpEncoding.RejectDeclaredOversize(context.Request, maxSize);
        await using var counted = Observability.WireBytes.Incoming(context, body);
        return await entries.PutAsync(address, counted, HttpEncoding.UploadEncodingOf(context.Request), metadata, mode, context.RequestAborted, extraReferences);
    }

    public Task<bool> DeleteAsync(HttpContext context, EntryAddress address) => entries.DeleteAsync(address, context.RequestAborted);
}
