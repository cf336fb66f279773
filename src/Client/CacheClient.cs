using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Compression;
using CacheRegistry.Common.Hashing;
using Polly;
using Polly.Retry;

namespace CacheRegistry.Client;

/// <summary>
/// A typed client for a CacheRegistry server: blobs and action entries as streams, batch existence
/// checks and uploads, verified atomic downloads. Transient failures are retried with backoff.
/// </summary>
public sealed partial class CacheClient : IDisposable
{
    private const int FindMissingBatchSize = 10_000;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly CacheClientOptions _options;
    private readonly string _namespacePrefix;
    private readonly ResiliencePipeline _retry;

    /// <param name="http">Used as given (e.g. from IHttpClientFactory); its BaseAddress is ignored.</param>
    public CacheClient(HttpClient http, CacheClientOptions options) : this(http, options, ownsHttp: false)
    {
    }

    public CacheClient(CacheClientOptions options)
        : this(new HttpClient(TlsTrust.CreateHandler(options.CaBundlePath)) { Timeout = Timeout.InfiniteTimeSpan }, options, ownsHttp: true)
    {
    }

    private CacheClient(HttpClient http, CacheClientOptions options, bool ownsHttp)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        _options = options;
        _namespacePrefix = string.IsNullOrEmpty(options.Namespace) ? "" : Uri.EscapeDataString(options.Namespace) + "/";
        _retry = BuildRetryPipeline(options);
    }

    private Uri Server => _options.Server.AbsoluteUri.EndsWith('/') ? _options.Server : new Uri(_options.Server.AbsoluteUri + "/");

    // ---- blobs -----------------------------------------------------------------------------------

    public Task<bool> BlobExistsAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        ExistsAsync(NamespacedUrl($"cas/{digest.Hex}"), cancellationToken);

    /// <summary>
    /// Opens a blob's content, or returns null when the namespace does not have it. The stream throws
    /// <see cref="BlobIntegrityException"/> at its end if the content does not match the digest.
    /// </summary>
    public Task<Stream?> OpenBlobAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync(async token => await OpenOnceAsync(NamespacedUrl($"cas/{digest.Hex}"), digest, token), cancellationToken).AsTask();

    /// <summary>Uploads a blob read from <paramref name="open"/> (called again on each retry).</summary>
    public Task PutBlobAsync(Sha256Digest digest, Func<Stream> open, long? length = null, CancellationToken cancellationToken = default) =>
        PutAsync(NamespacedUrl($"cas/{digest.Hex}"), open, length, cancellationToken);

    public async Task<Sha256Digest> PutFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var (digest, length) = await Sha256Digest.OfFileAsync(path, cancellationToken);
        await PutBlobAsync(digest, () => File.OpenRead(path), length, cancellationToken);
        return digest;
    }

    /// <summary>
    /// Downloads a blob to <paramref name="path"/>: written to a temporary file beside it, verified,
    /// then renamed into place, so the path never holds partial or wrong content.
    /// </summary>
    /// <returns>False when the namespace does not have the blob.</returns>
    public async Task<bool> DownloadBlobAsync(Sha256Digest digest, string path, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            var found = await _retry.ExecuteAsync(async token =>
            {
                await using var content = await OpenOnceAsync(NamespacedUrl($"cas/{digest.Hex}"), digest, token);
                if (content is null) return false;
                await using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await content.CopyToAsync(file, token);
                file.Flush(flushToDisk: true);
                return true;
            }, cancellationToken);
            if (found) File.Move(temporary, target, overwrite: true);
            return found;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The digests the namespace does not have, asked in batches.</summary>
    public async Task<IReadOnlyList<Sha256Digest>> FindMissingAsync(IEnumerable<Sha256Digest> digests, CancellationToken cancellationToken = default)
    {
        var missing = new List<Sha256Digest>();
        foreach (var batch in digests.Distinct().Chunk(FindMissingBatchSize))
        {
            var response = await SendJsonAsync<FindMissingResponse>(HttpMethod.Post, NamespacedUrl("api/v1/cas/find-missing"),
                new FindMissingRequest(batch.Select(d => d.Hex).ToList()), cancellationToken);
            missing.AddRange(response.Missing.Select(Sha256Digest.Parse));
        }
        return missing;
    }

    /// <summary>
    /// Hashes the files, asks which blobs the server lacks and uploads only those, several at a time;
    /// files over <see cref="CacheClientOptions.ResumableUploadThreshold"/> go up in resumable parts.
    /// </summary>
    /// <param name="progress">Told the number of bytes sent as they go.</param>
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
        await Parallel.ForEachAsync(toUpload,
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                if (file.Size > _options.ResumableUploadThreshold) await UploadResumableAsync(file.Path, file.Digest, progress, token);
                else await PutBlobAsync(file.Digest, () => ProgressReadStream.Wrap(File.OpenRead(file.Path), progress), file.Size, token);
            });

        var uploaded = toUpload.Select(f => f.Digest).ToHashSet();
        return files.Select(f => new UploadedFile(f.Path, f.Digest, f.Size, uploaded.Remove(f.Digest))).ToList();
    }

    /// <summary>What the server records about a blob, across namespaces (an operator call); null if unknown.</summary>
    public Task<BlobInfo?> GetBlobInfoAsync(Sha256Digest digest, CancellationToken cancellationToken = default) =>
        FindJsonAsync<BlobInfo>(new Uri(Server, $"api/v1/blobs/{digest.Hex}"), cancellationToken);

    // ---- action cache ----------------------------------------------------------------------------

    public Task<bool> ActionExistsAsync(Sha256Digest key, CancellationToken cancellationToken = default) =>
        ExistsAsync(NamespacedUrl($"ac/{key.Hex}"), cancellationToken);

    /// <summary>Opens an action entry's value, or returns null on a miss.</summary>
    public Task<Stream?> OpenActionAsync(Sha256Digest key, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync(async token => await OpenOnceAsync(NamespacedUrl($"ac/{key.Hex}"), expected: null, token), cancellationToken).AsTask();

    public Task PutActionAsync(Sha256Digest key, Func<Stream> open, long? length = null, CancellationToken cancellationToken = default) =>
        PutAsync(NamespacedUrl($"ac/{key.Hex}"), open, length, cancellationToken);

    // ---- tokens (operator API) -------------------------------------------------------------------

    /// <summary>Issues a token; the answer holds the token itself, which the server does not keep.</summary>
    public Task<CreatedToken> CreateTokenAsync(CreateTokenRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<CreatedToken>(HttpMethod.Post, "api/v1/tokens", request, cancellationToken);

    public Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<IReadOnlyList<TokenInfo>>(HttpMethod.Get, "api/v1/tokens", null, cancellationToken);

    /// <returns>False when the server knows no such token.</returns>
    public Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, new Uri(Server, $"api/v1/tokens/{Uri.EscapeDataString(id)}"), null, cancellationToken);

    // ---- plumbing --------------------------------------------------------------------------------

    private Uri NamespacedUrl(string relative) => new(Server, _namespacePrefix + relative);

    private Task<T> SendJsonAsync<T>(HttpMethod method, string relative, object? body, CancellationToken cancellationToken) =>
        SendJsonAsync<T>(method, new Uri(Server, relative), body, cancellationToken);

    private Task<T> SendJsonAsync<T>(HttpMethod method, Uri url, object? body, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async token =>
        {
            using var response = await SendOnceAsync(() => new HttpRequestMessage(method, url)
            {
                Content = body is null ? null : JsonContent.Create(body),
            }, token);
            await EnsureSuccessAsync(response, token);
            return await response.Content.ReadFromJsonAsync<T>(token) ?? throw new CacheClientException($"the server sent an empty answer to {url.AbsolutePath}");
        }, cancellationToken).AsTask();

    /// <summary>Like <see cref="SendJsonAsync{T}(HttpMethod, Uri, object?, CancellationToken)"/>, but null for 404.</summary>
    private Task<T?> FindJsonAsync<T>(Uri url, CancellationToken cancellationToken) where T : class =>
        _retry.ExecuteAsync(async token =>
        {
            using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, url), token);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            await EnsureSuccessAsync(response, token);
            return await response.Content.ReadFromJsonAsync<T>(token);
        }, cancellationToken).AsTask();

    /// <summary>A request without an answer body; false for 404.</summary>
    private Task<bool> SendAsync(HttpMethod method, Uri url, object? body, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async token =>
        {
            using var response = await SendOnceAsync(() => new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) }, token);
            if (response.StatusCode == HttpStatusCode.NotFound) return false;
            await EnsureSuccessAsync(response, token);
            return true;
        }, cancellationToken).AsTask();

    private Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken) => SendAsync(HttpMethod.Head, url, null, cancellationToken);

    private Task PutAsync(Uri url, Func<Stream> open, long? length, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async token =>
        {
            var level = _options.CompressUploads ? _options.CompressionLevel : (int?)null;
            using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, url) { Content = new UploadContent(open, length, level) }, token);
            await EnsureSuccessAsync(response, token);
        }, cancellationToken).AsTask();

    private async Task<Stream?> OpenOnceAsync(Uri url, Sha256Digest? expected, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(Zstd.ContentEncoding));
            return request;
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }
        await EnsureSuccessAsync(response, cancellationToken);

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (response.Content.Headers.ContentEncoding.Contains(Zstd.ContentEncoding)) stream = new ZstdDecompressStream(stream);
        return expected is { } digest ? new VerifyingReadStream(stream, digest) : stream;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var request = build();
        if (_options.Token is { Length: > 0 } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (IsTransient(response.StatusCode))
        {
            var message = await DescribeFailureAsync(response, cancellationToken);
            response.Dispose();
            throw new TransientServerException(message, response.StatusCode);
        }
        return response;
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        throw new CacheClientException(await DescribeFailureAsync(response, cancellationToken), response.StatusCode);
    }

    private static async Task<string> DescribeFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(cancellationToken);
            return problem?.Detail is { Length: > 0 } detail ? $"{status}: {detail}" : status;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            return status; // not a problem body
        }
    }

    private static ResiliencePipeline BuildRetryPipeline(CacheClientOptions options)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<HttpIOException>().Handle<TransientServerException>(),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            });
        }
        return builder.Build();
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private sealed class TransientServerException(string message, HttpStatusCode status) : CacheClientException(message, status);
}

/// <summary>One file of <see cref="CacheClient.UploadFilesAsync"/>: its digest, and whether this call sent it.</summary>
public sealed record UploadedFile(string Path, Sha256Digest Digest, long Size, bool Uploaded);
