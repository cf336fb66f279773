using System.Net;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

public sealed partial class CacheClient
{
    // ---- artifacts -------------------------------------------------------------------------------

    /// <summary>Publishes a version. Created is false when the same content was already published; different content is a 409 <see cref="CacheClientException"/>.</summary>
    public async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string name, string version, PublishRequest request, CancellationToken cancellationToken = default)
    {
        var url = ArtifactUrl($"{Escape(name)}/versions/{Escape(version)}");
        return await _retry.ExecuteAsync(async token =>
        {
            using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, url) { Content = System.Net.Http.Json.JsonContent.Create(request) }, token);
            await EnsureSuccessAsync(response, token);
            var info = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<ArtifactVersionInfo>(response.Content, token)
                ?? throw new CacheClientException("the server sent an empty publish answer");
            return (response.StatusCode == HttpStatusCode.Created, info);
        }, cancellationToken);
    }

    public Task<ArtifactVersionInfo?> GetVersionAsync(string name, string version, CancellationToken cancellationToken = default) =>
        FindJsonAsync<ArtifactVersionInfo>(ArtifactUrl($"{Escape(name)}/versions/{Escape(version)}"), cancellationToken);

    /// <summary>The highest version matching a range, or the version a tag points at; null when none does.</summary>
    public Task<ArtifactVersionInfo?> ResolveAsync(string name, string spec, bool includePrerelease = false, CancellationToken cancellationToken = default) =>
        FindJsonAsync<ArtifactVersionInfo>(ArtifactUrl($"{Escape(name)}/resolve?spec={Uri.EscapeDataString(spec)}&prerelease={(includePrerelease ? "true" : "false")}"), cancellationToken);

    public Task<Page<ArtifactVersionInfo>> ListVersionsAsync(string name, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Page<ArtifactVersionInfo>>(HttpMethod.Get, ArtifactUrl($"{Escape(name)}/versions?page={page}&pageSize={pageSize}"), null, cancellationToken);

    public Task<Page<ArtifactSummary>> ListArtifactsAsync(string? search = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Page<ArtifactSummary>>(HttpMethod.Get, ArtifactUrl($"?page={page}&pageSize={pageSize}{(search is null ? "" : "&search=" + Uri.EscapeDataString(search))}"), null, cancellationToken);

    public Task<bool> SetTagAsync(string name, string tag, string version, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, ArtifactUrl($"{Escape(name)}/tags/{Escape(tag)}"), new TagRequest(version), cancellationToken);

    public Task<bool> SetYankedAsync(string name, string version, bool yanked, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, ArtifactUrl($"{Escape(name)}/versions/{Escape(version)}/yank"), new YankRequest(yanked), cancellationToken);

    public Task<bool> DeleteVersionAsync(string name, string version, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, ArtifactUrl($"{Escape(name)}/versions/{Escape(version)}"), null, cancellationToken);

    // ---- resumable uploads -----------------------------------------------------------------------

    public Task<UploadSessionInfo> StartUploadAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<UploadSessionInfo>(HttpMethod.Post, NamespacedUrl("api/v1/uploads"), null, cancellationToken);

    public Task<UploadSessionInfo> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<UploadSessionInfo>(HttpMethod.Get, NamespacedUrl($"api/v1/uploads/{Escape(id)}"), null, cancellationToken);

    public Task PutUploadPartAsync(string id, int number, Func<Stream> open, long length, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync(async token =>
        {
            using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, NamespacedUrl($"api/v1/uploads/{Escape(id)}/parts/{number}"))
            {
                Content = new UploadContent(open, length, zstdLevel: null),
            }, token);
            await EnsureSuccessAsync(response, token);
        }, cancellationToken).AsTask();

    public Task CompleteUploadAsync(string id, Sha256Digest digest, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, NamespacedUrl($"api/v1/uploads/{Escape(id)}/complete"), new CompleteUploadRequest(digest.Hex), cancellationToken);

    /// <summary>
    /// Uploads a file in parts; given the id of an interrupted session, sends only the parts the server
    /// does not have yet. Each part is retried on its own, so a dropped connection costs one part.
    /// </summary>
    /// <returns>The session id (to resume with, should this call fail).</returns>
    public async Task<string> UploadResumableAsync(string path, Sha256Digest digest, IProgress<long>? progress = null, CancellationToken cancellationToken = default, string? resumeSessionId = null)
    {
        var session = resumeSessionId is null ? await StartUploadAsync(cancellationToken) : await GetUploadAsync(resumeSessionId, cancellationToken);
        var length = new FileInfo(path).Length;
        var partSize = _options.UploadPartSize;
        var parts = (int)Math.Max(1, (length + partSize - 1) / partSize);
        var held = session.Parts.Where(p => p.Size == Math.Min(partSize, length - (p.Number - 1) * partSize)).Select(p => p.Number).ToHashSet();
        progress?.Report(held.Sum(n => Math.Min(partSize, length - (n - 1) * partSize)));

        await Parallel.ForEachAsync(Enumerable.Range(1, parts).Where(n => !held.Contains(n)),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (number, token) =>
            {
                var offset = (number - 1) * partSize;
                var size = Math.Min(partSize, length - offset);
                await PutUploadPartAsync(session.Id, number, () => ProgressReadStream.Wrap(new FileSlice(path, offset, size), progress), size, token);
            });
        await CompleteUploadAsync(session.Id, digest, cancellationToken);
        return session.Id;
    }

    private Uri ArtifactUrl(string relative) => NamespacedUrl("api/v1/artifacts" + (relative.StartsWith('?') ? relative : "/" + relative));

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
