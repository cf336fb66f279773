namespace CacheRegistry.Common.Api;

/// <summary>Body of <c>POST /api/v1/cas/find-missing</c>.</summary>
public sealed record FindMissingRequest(IReadOnlyList<string> Digests);

/// <summary>The digests of the request that are not available in the namespace.</summary>
public sealed record FindMissingResponse(IReadOnlyList<string> Missing);

/// <summary>What <c>GET /api/v1/blobs/{digest}</c> tells an operator about one stored blob.</summary>
public sealed record BlobInfo(
    string Digest,
    long Size,
    long StoredSize,
    string Encoding,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastAccessAt,
    long HitCount,
    IReadOnlyList<string> Namespaces);

/// <summary>The body of every 4xx/5xx answer (RFC 9457 problem details, the fields we use).</summary>
public sealed record ProblemBody(string? Title, int? Status, string? Detail);
