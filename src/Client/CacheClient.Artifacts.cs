using System.Net;
using System.Net.Http.Json;
using CacheRegistry.Client.Http;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

public sealed partial class CacheClient
{
    // ---- artifacts -------------------------------------------------------------------------------

    /// <summary>Publishes a version. Created is false when the same content was already published; different content is a 409 <see cref="CacheClientException"/>.</summary>
    public async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(string name, string version, PublishRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await _api.Value.PublishAsync(Namespace, name, version, request, cancellationToken);
        await ServerErrors.EnsureSuccessAsync(response, cancellationToken);
        var info = await response.Content.ReadFromJsonAsync(CacheApiJsonContext.Default.ArtifactVersionInfo, cancellationToken)
            ?? throw new CacheClientException("the server sent an empty publish answer");
        return (response.StatusCode == HttpStatusCode.Created, info);
    }

    /// <summary>One version of an artifact (manifest, signatures, tags), or null when there is none.</summary>
    public Task<ArtifactVersionInfo?> GetVersionAsync(string name, string version, CancellationToken cancellationToken = default) =>
        NullIfNotFound(_api.Value.GetVersionAsync(Namespace, name, version, cancellationToken));

    /// <summary>The highest version matching a range, or the version a tag points at; null when none does.</summary>
    public Task<ArtifactVersionInfo?> ResolveAsync(string name, string spec, bool includePrerelease = false, CancellationToken cancellationToken = default) =>
        NullIfNotFound(_api.Value.ResolveAsync(Namespace, name, spec, includePrerelease ? "true" : "false", cancellationToken));

    /// <summary>One page of an artifact's versions, newest first.</summary>
    public Task<Page<ArtifactVersionInfo>> ListVersionsAsync(string name, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default) =>
        _api.Value.ListVersionsAsync(Namespace, name, page, pageSize, cancellationToken);

    /// <summary>One page of the namespace's artifacts, optionally only those whose name contains <paramref name="search"/>.</summary>
    public Task<Page<ArtifactSummary>> ListArtifactsAsync(string? search = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default) =>
        _api.Value.ListArtifactsAsync(Namespace, search, page, pageSize, cancellationToken);

    /// <summary>Points a tag at a version. False when the artifact or version does not exist.</summary>
    public Task<bool> SetTagAsync(string name, string tag, string version, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.SetTagAsync(Namespace, name, tag, new TagRequest(version), cancellationToken));

    /// <summary>Removes a tag. False when the artifact has no such tag.</summary>
    public Task<bool> DeleteTagAsync(string name, string tag, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.DeleteTagAsync(Namespace, name, tag, cancellationToken));

    /// <summary>Yanks a version (hidden from resolution, still pullable by exact version) or unyanks it. False when it does not exist.</summary>
    public Task<bool> SetYankedAsync(string name, string version, bool yanked, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.SetYankedAsync(Namespace, name, version, new YankRequest(yanked), cancellationToken));

    /// <summary>Deletes a version (needs the delete permission). False when it does not exist.</summary>
    public Task<bool> DeleteVersionAsync(string name, string version, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.DeleteVersionAsync(Namespace, name, version, cancellationToken));

    // ---- resumable uploads -----------------------------------------------------------------------

    /// <summary>Starts a resumable upload session in the client's namespace.</summary>
    public Task<UploadSessionInfo> StartUploadAsync(CancellationToken cancellationToken = default) =>
        _api.Value.StartUploadAsync(Namespace, cancellationToken);

    /// <summary>A session and the parts the server holds; a 404 <see cref="CacheClientException"/> when it does not exist here.</summary>
    public Task<UploadSessionInfo> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        _api.Value.GetUploadAsync(Namespace, id, cancellationToken);

    /// <summary>Sends one part (numbered from 1), read from <paramref name="open"/> (called again on each retry); sending a part again replaces it.</summary>
    public Task PutUploadPartAsync(string id, int number, Func<Stream> open, long length, CancellationToken cancellationToken = default) =>
        PutAsync(NamespacedUrl($"api/v1/uploads/{Uri.EscapeDataString(id)}/parts/{number}"), new UploadContent(open, length, zstdLevel: null), cancellationToken);

    /// <summary>Ends a session: the server joins the parts and stores the blob if its digest is <paramref name="digest"/> (else a 400).</summary>
    public Task CompleteUploadAsync(string id, Sha256Digest digest, CancellationToken cancellationToken = default) =>
        _api.Value.CompleteUploadAsync(Namespace, id, new CompleteUploadRequest(digest.Hex), cancellationToken);

    /// <summary>
    /// Uploads a file in parts; given the id of an interrupted session, sends only the parts the server
    /// does not have yet. Each part is retried on its own, so a dropped connection costs one part.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="digest">Its SHA-256, which the server checks on completion.</param>
    /// <param name="progress">Told the number of bytes sent (or already held by the server) as they go.</param>
    /// <param name="cancellationToken">Cancels the upload; the session stays, to resume.</param>
    /// <param name="resumeSessionId">The session of an earlier, interrupted call.</param>
    /// <returns>The session id (to resume with, should this call fail).</returns>
    public async Task<string> UploadResumableAsync(string path, Sha256Digest digest, IProgress<long>? progress = null, CancellationToken cancellationToken = default, string? resumeSessionId = null) =>
        (await UploadInPartsAsync(path, digest, progress, resumeSessionId, started: null, cancellationToken)).Id;

    // Tells started the session's id before any part goes, so whoever remembers it can resume after a crash.
    private async Task<(string Id, long HeldBytes)> UploadInPartsAsync(string path, Sha256Digest digest, IProgress<long>? progress, string? resumeSessionId,
        Action<string>? started, CancellationToken cancellationToken)
    {
        var session = resumeSessionId is null ? await StartUploadAsync(cancellationToken) : await GetUploadAsync(resumeSessionId, cancellationToken);
        started?.Invoke(session.Id);
        var length = new FileInfo(path).Length;
        var partSize = _options.UploadPartSize;
        var parts = (int)Math.Max(1, (length + partSize - 1) / partSize);
        var held = session.Parts.Where(p => p.Size == Math.Min(partSize, length - (p.Number - 1) * partSize)).Select(p => p.Number).ToHashSet();
        var heldBytes = held.Sum(n => Math.Min(partSize, length - (n - 1) * partSize));
        progress?.Report(heldBytes);

        await Parallel.ForEachAsync(Enumerable.Range(1, parts).Where(n => !held.Contains(n)),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (number, token) =>
            {
                var offset = (number - 1) * partSize;
                var size = Math.Min(partSize, length - offset);
                await PutUploadPartAsync(session.Id, number, () => ProgressReadStream.Wrap(new FileSlice(path, offset, size), progress), size, token);
            });
        await CompleteUploadAsync(session.Id, digest, cancellationToken);
        return (session.Id, heldBytes);
    }
}
