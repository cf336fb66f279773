using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Protocols;

/// <summary>The GET/HEAD/PUT/DELETE handling shared by the adapters of keyed-entry protocols.</summary>
public sealed class EntryRequests(NamespaceAuthorizer access, EntryStore entries, BlobReader reader, IOptions<CacheLimitsOptions> limits)
{
    /// <summary>Authorizes a read and returns the entry, or null on a miss.</summary>
    public async Task<FoundEntry?> FindAsync(HttpContext context, EntryAddress address)
    {
        access.Authorize(context, address.Namespace, CachePermission.Read);
        return await entries.FindAsync(address, context.RequestAborted);
    }

    public Task WriteAsync(HttpContext context, FoundEntry? entry) => HttpEncoding.WriteBlobOrNotFoundAsync(context, entry?.Value, reader);

    /// <summary>Answers GET or HEAD with the entry's value, or 404.</summary>
    public async Task GetAsync(HttpContext context, EntryAddress address) => await WriteAsync(context, await FindAsync(context, address));

    /// <summary>Authorizes a write and stores the request body under the address. True when the entry is new.</summary>
    public async Task<bool> PutAsync(HttpContext context, EntryAddress address, EntryWriteMode mode, IReadOnlyDictionary<string, string>? metadata = null)
    {
        access.Authorize(context, address.Namespace, CachePermission.Write);
        HttpEncoding.RejectDeclaredOversize(context.Request, limits.Value.MaxBlobBytes);
        return await entries.PutAsync(address, context.Request.Body, HttpEncoding.UploadEncodingOf(context.Request), metadata, mode, context.RequestAborted);
    }

    public async Task<bool> DeleteAsync(HttpContext context, EntryAddress address)
    {
        access.Authorize(context, address.Namespace, CachePermission.Delete);
        return await entries.DeleteAsync(address, context.RequestAborted);
    }
}
