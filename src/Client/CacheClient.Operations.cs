using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

public sealed partial class CacheClient
{
    // ---- operator API ----------------------------------------------------------------------------

    /// <summary>Sizes, counts, hit rates and top blobs, for one namespace or all (needs *:admin).</summary>
    public Task<StorageStats> GetStorageStatsAsync(string? ns = null, int top = 10, CancellationToken cancellationToken = default) =>
        SendJsonAsync<StorageStats>(HttpMethod.Get, $"api/v1/admin/stats?top={top}{(ns is null ? "" : "&namespace=" + Uri.EscapeDataString(ns))}", null, cancellationToken);

    /// <summary>Runs a garbage collection pass now; its report as JSON.</summary>
    public Task<System.Text.Json.JsonElement> RunGcAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<System.Text.Json.JsonElement>(HttpMethod.Post, "api/v1/admin/gc", null, cancellationToken);

    /// <summary>Removes a blob from the client's namespace, with the entries using it. False when it was not there.</summary>
    public Task<bool> DeleteBlobAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, NamespacedUrl($"api/v1/cas/{digest.Hex}"), null, cancellationToken);

    /// <summary>Removes one entry (protocol: ac, ccache, turborepo, nx, gradle) from the client's namespace.</summary>
    public Task<bool> DeleteEntryAsync(string protocol, string key, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, NamespacedUrl($"api/v1/entries/{Uri.EscapeDataString(protocol)}/{key}"), null, cancellationToken);

    /// <summary>Removes a whole namespace: entries, blobs only it used, artifacts (needs *:admin).</summary>
    public Task<bool> DeleteNamespaceAsync(string ns, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, new Uri(Server, $"api/v1/admin/namespaces/{Uri.EscapeDataString(ns)}"), null, cancellationToken);
}
