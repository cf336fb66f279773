using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Client.Http;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Client;

/// <summary>
/// A typed client for a CacheRegistry server: blobs and action entries as streams, batch existence
/// checks and uploads, verified atomic downloads, artifacts and the operator API. Requests that are
/// safe to repeat are retried on transient failures (see <see cref="CacheClientOptions.MaxRetries"/>).
/// </summary>
/// <remarks>
/// Create one with <c>new CacheClient(options)</c>, or register it with
/// <see cref="CacheRegistryClientServiceCollectionExtensions.AddCacheRegistryClient"/> and take it
/// from dependency injection.
/// </remarks>
public sealed partial class CacheClient : IDisposable
{
    private const int FindMissingBatchSize = 10_000;

    // Blob and action bodies go over this HttpClient as streams: Refit would buffer them.
    private readonly HttpClient _http;
    // The JSON API, made on first use: a command-line call that only moves blobs never pays for Refit's set-up.
    private readonly Lazy<ICacheRegistryApi> _api;
    private readonly CacheClientOptions _options;
    private readonly string _namespacePrefix;

    /// <summary>A client with its own HTTP connections, retries and TLS trust, for use without dependency injection.</summary>
    /// <remarks>
    /// It builds its handlers directly rather than through IHttpClientFactory: a command-line call makes
    /// one client, and a service provider with the factory's registries cost it about a hundred
    /// milliseconds of start-up (mostly JIT of their generic instantiations).
    /// </remarks>
    public CacheClient(CacheClientOptions options) : this(CacheRegistryClientServiceCollectionExtensions.CreateStandaloneHttpClient(options), options)
    {
    }

    private CacheClient(HttpClient http, CacheClientOptions options)
        : this(http, new Lazy<ICacheRegistryApi>(() => Refit.RestService.For<ICacheRegistryApi>(http, CacheRegistryClientServiceCollectionExtensions.RefitSettingsFor())), options)
    {
    }

    internal CacheClient(HttpClient http, Lazy<ICacheRegistryApi> api, CacheClientOptions options)
    {
        _http = http;
        _api = api;
        _options = options;
        _namespacePrefix = string.IsNullOrEmpty(options.Namespace) ? "" : Uri.EscapeDataString(options.Namespace) + "/";
    }

    /// <summary>The namespace the client reads and writes: <see cref="CacheClientOptions.Namespace"/>, or <c>default</c>.</summary>
    public string Namespace => string.IsNullOrEmpty(_options.Namespace) ? "default" : _options.Namespace;

    // ---- blobs -----------------------------------------------------------------------------------

    /// <summary>Whether the client's namespace has the blob.</summary>
    public Task<bool> BlobExistsAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        ExistsAsync(NamespacedUrl($"cas/{digest.Hex}"), cancellationToken);

    /// <summary>
    /// Opens a blob's content, or returns null when the namespace does not have it. The stream throws
    /// <see cref="BlobIntegrityException"/> at its end if the content does not match the digest.
    /// </summary>
    public Task<Stream?> OpenBlobAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        OpenAsync(NamespacedUrl($"cas/{digest.Hex}"), digest, cancellationToken);

    /// <summary>Uploads a blob read from <paramref name="open"/> (called again on each retry).</summary>
    public Task PutBlobAsync(Sha256Digest digest, Func<Stream> open, long? length = null, CancellationToken cancellationToken = default) =>
        PutAsync(NamespacedUrl($"cas/{digest.Hex}"), new UploadContent(open, length, UploadCompressionLevel), cancellationToken);

    /// <summary>Hashes a file and uploads it as a blob; returns its digest.</summary>
    public async Task<Sha256Digest> PutFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var (digest, length) = await Sha256Digest.OfFileAsync(path, cancellationToken);
        await PutBlobAsync(digest, () => File.OpenRead(path), length, cancellationToken);
        return digest;
    }

    /// <summary>
    /// Downloads a blob to <paramref name="path"/>: written to a temporary file beside it, verified,
    /// then renamed into place, so the path never holds partial or wrong content (a cancelled or failed
    /// download leaves nothing behind).
    /// </summary>
    /// <returns>False when the namespace does not have the blob.</returns>
    public Task<bool> DownloadBlobAsync(Sha256Digest digest, string path, CancellationToken cancellationToken = default) =>
        DownloadBlobAsync(digest, path, progress: null, cancellationToken);

    /// <inheritdoc cref="DownloadBlobAsync(Sha256Digest, string, CancellationToken)"/>
    /// <param name="digest">The blob.</param>
    /// <param name="path">Where to write it.</param>
    /// <param name="progress">Told the number of content bytes written as they arrive.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public async Task<bool> DownloadBlobAsync(Sha256Digest digest, string path, IProgress<long>? progress, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var content = await OpenBlobAsync(digest, cancellationToken))
            {
                if (content is null) return false;
                await using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await ProgressReadStream.Wrap(content, progress).CopyToAsync(file, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The size of a blob of the namespace (its content, not how it is stored), or null when the namespace does not have it.</summary>
    public async Task<long?> GetBlobSizeAsync(Sha256Digest digest, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, NamespacedUrl($"cas/{digest.Hex}"));
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ServerErrors.EnsureSuccessAsync(response, cancellationToken);
        return response.Content.Headers.ContentLength;
    }

    /// <summary>The digests the namespace does not have, asked in batches.</summary>
    public async Task<IReadOnlyList<Sha256Digest>> FindMissingAsync(IEnumerable<Sha256Digest> digests, CancellationToken cancellationToken = default)
    {
        var missing = new List<Sha256Digest>();
        foreach (var batch in digests.Distinct().Chunk(FindMissingBatchSize))
        {
            var response = await _api.Value.FindMissingAsync(Namespace, new FindMissingRequest(batch.Select(d => d.Hex).ToList()), cancellationToken: cancellationToken);
            missing.AddRange(response.Missing.Select(Sha256Digest.Parse));
        }
        return missing;
    }

    /// <summary>
    /// Hashes the files, asks which blobs the server lacks and uploads only those, several at a time;
    /// files over <see cref="CacheClientOptions.ResumableUploadThreshold"/> go up in resumable parts
    /// (resuming an earlier, interrupted upload of the same content when
    /// <see cref="CacheClientOptions.UploadSessions"/> remembers one).
    /// </summary>
    /// <param name="paths">The files to upload.</param>
    /// <param name="progress">Told, as they go, the number of bytes sent or found on the server already: the sizes of all files add up to the total.</param>
    /// <param name="cancellationToken">Cancels the hashing and the uploads; a resumable upload stays resumable.</param>
    public async Task<IReadOnlyList<UploadedFile>> UploadFilesAsync(IEnumerable<string> paths, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var files = new List<(string Path, Sha256Digest Digest, long Size)>();
        foreach (var path in paths)
        {
            var (digest, size) = await Sha256Digest.OfFileAsync(path, cancellationToken);
            files.Add((path, digest, size));
        }

        var missing = (await FindMissingAsync(files.Select(f => f.Digest), cancellationToken)).ToHashSet();
        var toUpload = files.Where(f => missing.Contains(f.Digest)).DistinctBy(f => f.Digest).ToList();
        var sending = toUpload.ToHashSet();
        progress?.Report(files.Where(f => !sending.Contains(f)).Sum(f => f.Size));
        var resumed = new System.Collections.Concurrent.ConcurrentDictionary<Sha256Digest, long>();
        await Parallel.ForEachAsync(toUpload,
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                if (file.Size > _options.ResumableUploadThreshold)
                {
                    var held = await UploadLargeFileAsync(file.Path, file.Digest, progress, token);
                    if (held > 0) resumed[file.Digest] = held;
                }
                else await PutBlobAsync(file.Digest, () => ProgressReadStream.Wrap(File.OpenRead(file.Path), progress), file.Size, token);
            });

        var uploaded = toUpload.Select(f => f.Digest).ToHashSet();
        return files.Select(f => new UploadedFile(f.Path, f.Digest, f.Size, uploaded.Remove(f.Digest), resumed.GetValueOrDefault(f.Digest))).ToList();
    }

    // A large file in parts, through the session an earlier run left (if the store remembers one and
    // the server still has it); returns the bytes the server already held.
    private async Task<long> UploadLargeFileAsync(string path, Sha256Digest digest, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var store = _options.UploadSessions;
        void Started(string id) => store?.Save(_options.Server, Namespace, digest, id);
        var earlier = store?.Find(_options.Server, Namespace, digest);
        (string Id, long HeldBytes) upload;
        try
        {
            upload = await UploadInPartsAsync(path, digest, progress, earlier, Started, cancellationToken);
        }
        catch (CacheClientException e) when (earlier is not null && e.StatusCode == HttpStatusCode.NotFound)
        {
            upload = await UploadInPartsAsync(path, digest, progress, null, Started, cancellationToken); // the old session expired
        }
        store?.Remove(_options.Server, Namespace, digest);
        return upload.HeldBytes;
    }

    /// <summary>What the server records about a blob, across namespaces (an operator call); null if unknown.</summary>
    public Task<BlobInfo?> GetBlobInfoAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        NullIfNotFound(_api.Value.GetBlobInfoAsync(digest.Hex, cancellationToken));

    // ---- action cache ----------------------------------------------------------------------------

    /// <summary>Whether the client's namespace has an action entry under the key.</summary>
    public Task<bool> ActionExistsAsync(Sha256Digest key, CancellationToken cancellationToken = default) =>
        ExistsAsync(NamespacedUrl($"ac/{key.Hex}"), cancellationToken);

    /// <summary>Opens an action entry's value, or returns null on a miss.</summary>
    public Task<Stream?> OpenActionAsync(Sha256Digest key, CancellationToken cancellationToken = default) =>
        OpenAsync(NamespacedUrl($"ac/{key.Hex}"), expected: null, cancellationToken);

    /// <summary>Stores an action entry's value read from <paramref name="open"/> (called again on each retry); the latest write wins.</summary>
    public Task PutActionAsync(Sha256Digest key, Func<Stream> open, long? length = null, CancellationToken cancellationToken = default) =>
        PutAsync(NamespacedUrl($"ac/{key.Hex}"), new UploadContent(open, length, UploadCompressionLevel), cancellationToken);

    // ---- tokens (operator API) -------------------------------------------------------------------

    /// <summary>Issues a token; the answer holds the token itself, which the server does not keep.</summary>
    public Task<CreatedToken> CreateTokenAsync(CreateTokenRequest request, CancellationToken cancellationToken = default) =>
        _api.Value.CreateTokenAsync(request, cancellationToken);

    /// <summary>The tokens the server has issued (never the tokens themselves).</summary>
    public Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken cancellationToken = default) =>
        _api.Value.ListTokensAsync(cancellationToken);

    /// <summary>Revokes a token.</summary>
    /// <returns>False when the server knows no such token.</returns>
    public Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        FalseIfNotFound(_api.Value.RevokeTokenAsync(id, cancellationToken));

    /// <inheritdoc/>
    public void Dispose()
    {
        _http.Dispose();
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private int? UploadCompressionLevel => _options.CompressUploads ? _options.CompressionLevel : null;

    private Uri NamespacedUrl(string relative) => new(_namespacePrefix + relative, UriKind.Relative);

    private async Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await ServerErrors.EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    private async Task PutAsync(Uri url, UploadContent content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken);
        await ServerErrors.EnsureSuccessAsync(response, cancellationToken);
    }

    // Retries cover the request up to the response's headers; a body cut off later surfaces as an
    // IOException from the returned stream (a verified download then leaves nothing behind).
    private async Task<Stream?> OpenAsync(Uri url, Sha256Digest? expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(Zstd.ContentEncoding));
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }
        try
        {
            await ServerErrors.EnsureSuccessAsync(response, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (response.Content.Headers.ContentEncoding.Contains(Zstd.ContentEncoding)) stream = new ZstdDecompressStream(stream);
        return expected is { } digest ? new VerifyingReadStream(stream, digest) : stream;
    }

    private static async Task<T?> NullIfNotFound<T>(Task<T> call) where T : class
    {
        try
        {
            return await call;
        }
        catch (CacheClientException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<bool> FalseIfNotFound(Task call)
    {
        try
        {
            await call;
            return true;
        }
        catch (CacheClientException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}

/// <summary>One file of <see cref="CacheClient.UploadFilesAsync"/>: its digest, and whether this call sent it.</summary>
/// <param name="Path">The file as it was given.</param>
/// <param name="Digest">Its SHA-256.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Uploaded">True when this call sent it; false when the server had it already (or an identical file of the same call was sent).</param>
/// <param name="ResumedBytes">For a large file whose interrupted upload this call resumed: the bytes the server already held.</param>
public sealed record UploadedFile(string Path, Sha256Digest Digest, long Size, bool Uploaded, long ResumedBytes = 0);
