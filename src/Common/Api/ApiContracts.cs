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

/// <summary>Body of <c>POST /api/v1/tokens</c>: scopes are <c>pattern:permission</c>, the lifetime like "30d", "12h", "90m".</summary>
public sealed record CreateTokenRequest(string Name, IReadOnlyList<string> Scopes, string Lifetime);

/// <summary>An issued token as the server records it (never the token itself).</summary>
public sealed record TokenInfo(string Id, string Name, IReadOnlyList<string> Scopes, string CreatedBy,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>Answer to token creation: the token, shown this once.</summary>
public sealed record CreatedToken(TokenInfo Info, string Token);

/// <summary>One audit log record.</summary>
public sealed record AuditRecord(DateTimeOffset At, string Actor, string Action, string? Namespace, string? Target, int Status);

/// <summary>Lifetimes written as a number and a unit: s, m, h or d ("30d").</summary>
public static class Lifetime
{
    public static bool TryParse(string? text, out TimeSpan lifetime)
    {
        lifetime = default;
        if (string.IsNullOrEmpty(text) || text.Length < 2 || !long.TryParse(text[..^1], out var amount) || amount <= 0 || amount > 100_000) return false;
        TimeSpan? unit = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null) return false;
        lifetime = unit.Value * amount;
        return true;
    }
}

/// <summary>Body of <c>PUT /api/v1/artifacts/{name}/versions/{version}</c>.</summary>
public sealed record PublishRequest(
    IReadOnlyList<Artifacts.ArtifactFile> Files,
    IReadOnlyDictionary<string, string>? Metadata,
    IReadOnlyList<Artifacts.ArtifactSignature>? Signatures,
    IReadOnlyList<string>? Tags);

/// <summary>An artifact version as the server serves it.</summary>
public sealed record ArtifactVersionInfo(
    string Namespace,
    string Name,
    string Version,
    string ManifestDigest,
    Artifacts.ArtifactManifest Manifest,
    IReadOnlyList<Artifacts.ArtifactSignature> Signatures,
    IReadOnlyList<string> Tags,
    bool Yanked,
    DateTimeOffset CreatedAt,
    string Publisher,
    long TotalSize);

public sealed record ArtifactSummary(string Name, string? LatestVersion, int VersionCount, DateTimeOffset UpdatedAt);

public sealed record Page<T>(IReadOnlyList<T> Items, int Number, int Size, int Total);

public sealed record TagRequest(string Version);

public sealed record YankRequest(bool? Yanked);

/// <summary>A resumable upload: which parts the server holds.</summary>
public sealed record UploadSessionInfo(string Id, IReadOnlyList<UploadedPart> Parts, DateTimeOffset ExpiresAt);

public sealed record UploadedPart(int Number, long Size);

public sealed record CompleteUploadRequest(string Digest);

/// <summary>What <c>GET /api/v1/admin/stats</c> reports (and <c>cache inspect stats</c> shows).</summary>
public sealed record StorageStats(
    IReadOnlyList<NamespaceStats> Namespaces,
    IReadOnlyList<ProtocolHitRate> Protocols,
    IReadOnlyList<BlobStats> LargestBlobs,
    IReadOnlyList<BlobStats> MostHitBlobs,
    IReadOnlyList<BlobStats> LeastRecentlyUsedBlobs);

public sealed record NamespaceStats(string Namespace, long Blobs, long Entries, long Bytes, long StoredBytes);

/// <summary>Lookups since the server started.</summary>
public sealed record ProtocolHitRate(string Protocol, string Namespace, long Hits, long Misses, long Writes)
{
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}

public sealed record BlobStats(string Namespace, string Digest, long Size, long StoredSize, long Hits, DateTimeOffset LastAccessAt);
