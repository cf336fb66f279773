using System.Text.Json;
using CacheRegistry.Common.Api;
using Refit;

namespace CacheRegistry.Client.Http;

/// <summary>
/// The server's JSON API, implemented by Refit's source generator. Namespaced routes always name their
/// namespace (<c>default</c> when the client has none: the server's unprefixed routes mean the same).
/// Blob and action bodies (<c>/cas</c>, <c>/ac</c>, upload parts) are not here: <see cref="CacheClient"/>
/// streams them over HttpClient, because Refit would buffer them.
/// </summary>
internal interface ICacheRegistryApi
{
    // ---- content --------------------------------------------------------------------------------

    [Post("/{ns}/api/v1/cas/find-missing")]
    Task<FindMissingResponse> FindMissingAsync(string ns, [Body] FindMissingRequest request,
        [Property(RetryPolicy.IdempotentProperty)] bool idempotent = true, CancellationToken cancellationToken = default);

    [Get("/api/v1/blobs/{digest}")]
    Task<BlobInfo> GetBlobInfoAsync(string digest, CancellationToken cancellationToken = default);

    [Delete("/{ns}/api/v1/cas/{digest}")]
    Task DeleteBlobAsync(string ns, string digest, CancellationToken cancellationToken = default);

    // {**key}: a ccache key is a path; its slashes stay slashes.
    [Delete("/{ns}/api/v1/entries/{protocol}/{**key}")]
    Task DeleteEntryAsync(string ns, string protocol, string key, CancellationToken cancellationToken = default);

    // ---- artifacts ------------------------------------------------------------------------------

    // The raw response: the caller needs its status (201 new, 200 the same content again).
    [Put("/{ns}/api/v1/artifacts/{name}/versions/{version}")]
    Task<HttpResponseMessage> PublishAsync(string ns, string name, string version, [Body] PublishRequest request, CancellationToken cancellationToken = default);

    [Get("/{ns}/api/v1/artifacts/{name}/versions/{version}")]
    Task<ArtifactVersionInfo> GetVersionAsync(string ns, string name, string version, CancellationToken cancellationToken = default);

    [Get("/{ns}/api/v1/artifacts/{name}/resolve")]
    Task<ArtifactVersionInfo> ResolveAsync(string ns, string name, string spec, string prerelease, CancellationToken cancellationToken = default);

    [Get("/{ns}/api/v1/artifacts/{name}/versions")]
    Task<Page<ArtifactVersionInfo>> ListVersionsAsync(string ns, string name, int page, int pageSize, CancellationToken cancellationToken = default);

    [Get("/{ns}/api/v1/artifacts")]
    Task<Page<ArtifactSummary>> ListArtifactsAsync(string ns, string? search, int page, int pageSize, CancellationToken cancellationToken = default);

    [Put("/{ns}/api/v1/artifacts/{name}/tags/{tag}")]
    Task SetTagAsync(string ns, string name, string tag, [Body] TagRequest request, CancellationToken cancellationToken = default);

    [Delete("/{ns}/api/v1/artifacts/{name}/tags/{tag}")]
    Task DeleteTagAsync(string ns, string name, string tag, CancellationToken cancellationToken = default);

    [Put("/{ns}/api/v1/artifacts/{name}/versions/{version}/yank")]
    Task SetYankedAsync(string ns, string name, string version, [Body] YankRequest request, CancellationToken cancellationToken = default);

    [Delete("/{ns}/api/v1/artifacts/{name}/versions/{version}")]
    Task DeleteVersionAsync(string ns, string name, string version, CancellationToken cancellationToken = default);

    // ---- resumable uploads (the parts themselves are streamed by CacheClient) -------------------

    [Post("/{ns}/api/v1/uploads")]
    Task<UploadSessionInfo> StartUploadAsync(string ns, CancellationToken cancellationToken = default);

    [Get("/{ns}/api/v1/uploads/{id}")]
    Task<UploadSessionInfo> GetUploadAsync(string ns, string id, CancellationToken cancellationToken = default);

    [Post("/{ns}/api/v1/uploads/{id}/complete")]
    Task CompleteUploadAsync(string ns, string id, [Body] CompleteUploadRequest request, CancellationToken cancellationToken = default);

    // ---- tokens and administration (server-wide, *:admin) -------------------------------------

    [Post("/api/v1/tokens")]
    Task<CreatedToken> CreateTokenAsync([Body] CreateTokenRequest request, CancellationToken cancellationToken = default);

    [Get("/api/v1/tokens")]
    Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken cancellationToken = default);

    [Delete("/api/v1/tokens/{id}")]
    Task RevokeTokenAsync(string id, CancellationToken cancellationToken = default);

    [Get("/api/v1/admin/stats")]
    Task<StorageStats> GetStorageStatsAsync([AliasAs("namespace")] string? ns, int top, CancellationToken cancellationToken = default);

    [Post("/api/v1/admin/gc")]
    Task<JsonElement> RunGcAsync(CancellationToken cancellationToken = default);

    [Delete("/api/v1/admin/namespaces/{name}")]
    Task DeleteNamespaceAsync(string name, CancellationToken cancellationToken = default);
}
