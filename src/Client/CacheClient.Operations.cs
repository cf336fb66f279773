using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

public sealed partial class CacheClient
{
    // ---- operator API ----------------------------------------------------------------------------

    /// <summary>Sizes, counts, hit rates and top blobs, for one namespace or all (needs *:admin).</summary>
    public Task<StorageStats> GetStorageStatsAsync(string? ns = null, int top = 10, CancellationToken cancellationToken = default) =>
        _api.Value.GetStorageStatsAsync(ns, top, cancellationToken);

    /// <summary>Runs a garbage collection pass now; its report as JSON.</summary>
    public Task<JsonElement> RunGcAsync(CancellationToken cancellationToken = default) =>
        _api.Value.RunGcAsync(cancellationToken);

    /// <summary>Removes a blob from the client's namespace, with the entries using it. False when it was not there.</summary>
    public Task<bool> DeleteBlobAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.DeleteBlobAsync(Namespace, digest.Hex, cancellationToken));

    /// <summary>Removes one entry (protocol: ac, ccache, turborepo, nx, gradle) from the client's namespace. False when it was not there.</summary>
    public Task<bool> DeleteEntryAsync(string protocol, string key, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.DeleteEntryAsync(Namespace, protocol, key, cancellationToken));

    /// <summary>Removes a whole namespace: entries, blobs only it used, artifacts (needs *:admin). False when it was not there.</summary>
    public Task<bool> DeleteNamespaceAsync(string ns, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.DeleteNamespaceAsync(ns, cancellationToken));
}
