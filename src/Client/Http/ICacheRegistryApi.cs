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

    [Post(ApiRoutes.NamespacePrefix + ApiRoutes.FindMissing)]
    Task<FindMissingResponse> FindMissingAsync(string ns, [Body] FindMissingRequest request,
        [Property(RetryPolicy.IdempotentProperty)] bool idempotent = true, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.Blob)]
    Task<BlobInfo> GetBlobInfoAsync(string digest, CancellationToken cancellationToken = default);

    [Delete(ApiRoutes.NamespacePrefix + ApiRoutes.CasBlob)]
    Task DeleteBlobAsync(string ns, string digest, CancellationToken cancellationToken = default);

    // {**key}: a ccache key is a path; its slashes stay slashes.
    [Delete(ApiRoutes.NamespacePrefix + ApiRoutes.Entry)]
    Task DeleteEntryAsync(string ns, string protocol, string key, CancellationToken cancellationToken = default);

    // ---- artifacts ------------------------------------------------------------------------------

    // The raw response: the caller needs its status (201 new, 200 the same content again).
    [Put(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactVersion)]
    Task<HttpResponseMessage> PublishAsync(string ns, string name, string version, [Body] PublishRequest request, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactVersion)]
    Task<ArtifactVersionInfo> GetVersionAsync(string ns, string name, string version, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactResolve)]
    Task<ArtifactVersionInfo> ResolveAsync(string ns, string name, string spec, string prerelease, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactVersions)]
    Task<Page<ArtifactVersionInfo>> ListVersionsAsync(string ns, string name, int page, int pageSize, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.NamespacePrefix + ApiRoutes.Artifacts)]
    Task<Page<ArtifactSummary>> ListArtifactsAsync(string ns, string? search, int page, int pageSize, CancellationToken cancellationToken = default);

    [Put(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactTag)]
    Task SetTagAsync(string ns, string name, string tag, [Body] TagRequest request, CancellationToken cancellationToken = default);

    [Delete(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactTag)]
    Task DeleteTagAsync(string ns, string name, string tag, CancellationToken cancellationToken = default);

    [Put(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactYank)]
    Task SetYankedAsync(string ns, string name, string version, [Body] YankRequest request, CancellationToken cancellationToken = default);

    [Delete(ApiRoutes.NamespacePrefix + ApiRoutes.ArtifactVersion)]
    Task DeleteVersionAsync(string ns, string name, string version, CancellationToken cancellationToken = default);

    // ---- resumable uploads (the parts themselves are streamed by CacheClient) -------------------

    [Post(ApiRoutes.NamespacePrefix + ApiRoutes.Uploads)]
    Task<UploadSessionInfo> StartUploadAsync(string ns, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.NamespacePrefix + ApiRoutes.Upload)]
    Task<UploadSessionInfo> GetUploadAsync(string ns, string id, CancellationToken cancellationToken = default);

    [Post(ApiRoutes.NamespacePrefix + ApiRoutes.UploadComplete)]
    Task CompleteUploadAsync(string ns, string id, [Body] CompleteUploadRequest request, CancellationToken cancellationToken = default);

    // ---- tokens and administration (server-wide, *:admin) -------------------------------------

    [Post(ApiRoutes.Tokens)]
    Task<CreatedToken> CreateTokenAsync([Body] CreateTokenRequest request, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.Tokens)]
    Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken cancellationToken = default);

    [Delete(ApiRoutes.Token)]
    Task RevokeTokenAsync(string id, CancellationToken cancellationToken = default);

    [Get(ApiRoutes.AdminStats)]
    Task<StorageStats> GetStorageStatsAsync([AliasAs("namespace")] string? ns, int top, CancellationToken cancellationToken = default);

    [Post(ApiRoutes.AdminGc)]
    Task<JsonElement> RunGcAsync(CancellationToken cancellationToken = default);

    [Delete(ApiRoutes.AdminNamespace)]
    Task DeleteNamespaceAsync(string name, CancellationToken cancellationToken = default);
}
