using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Namespaces;
using Microsoft.EntityFrameworkCore;

namespace CacheRegistry.Server.Metadata;

/// <summary>A published version as stored: the canonical manifest and signatures as JSON.</summary>
public sealed record PublishedVersion(
    string Namespace,
    string Name,
    string Version,
    string FullVersion,
    bool IsPrerelease,
    string ManifestDigest,
    string Manifest,
    string Signatures,
    bool Yanked,
    DateTimeOffset CreatedAt,
    string Publisher,
    long TotalSize);

/// <summary>One file of a version to publish: its path and the blob holding it.</summary>
public sealed record VersionFile(string Path, Sha256Digest Digest);

/// <summary>
/// Owns artifacts: versions, their files (which pin their blobs in the namespace against eviction) and tags (<c>artifact_versions</c>, <c>artifact_files</c>, <c>artifact_tags</c>).
/// </summary>
public sealed class ArtifactCatalog
{
    private readonly IDbContextFactory<CacheDbContext> _contexts;
    private readonly MetadataDialect _dialect;

    internal ArtifactCatalog(IDbContextFactory<CacheDbContext> contexts, MetadataDialect dialect)
    {
        _contexts = contexts;
        _dialect = dialect;
    }

    public async Task<PublishedVersion?> FindAsync(NamespaceName ns, string name, string version, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ArtifactVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Namespace == ns.Value && v.Name == name && v.Version == version, cancellationToken);
        return row is null ? null : ToPublished(row);
    }

    public async Task<IReadOnlyList<PublishedVersion>> VersionsAsync(NamespaceName ns, string name, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.ArtifactVersions.AsNoTracking().Where(v => v.Namespace == ns.Value && v.Name == name).ToListAsync(cancellationToken);
        return rows.Select(ToPublished).ToList();
    }

    /// <summary>Name, version, yanked, pre-release and time of every version in the namespace (optionally of names containing <paramref name="search"/>).</summary>
    public async Task<IReadOnlyList<(string Name, string FullVersion, bool Yanked, bool IsPrerelease, DateTimeOffset CreatedAt)>> ListAsync(
        NamespaceName ns, string? search, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var query = db.ArtifactVersions.AsNoTracking().Where(v => v.Namespace == ns.Value);
        if (!string.IsNullOrEmpty(search)) query = query.Where(v => v.Name.Contains(search));
        var rows = await query.Select(v => new { v.Name, v.FullVersion, v.Yanked, v.IsPrerelease, v.CreatedAt }).ToListAsync(cancellationToken);
        return rows.Select(r => (r.Name, r.FullVersion, r.Yanked, r.IsPrerelease, r.CreatedAt)).ToList();
    }

    /// <summary>Records a version with its files, in one command; false when the version exists already (the caller compares manifests).</summary>
    public async Task<bool> AddAsync(PublishedVersion version, IReadOnlyList<VersionFile> files, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch();
        batch.Add("""
            INSERT INTO artifact_versions ("namespace", name, version, full_version, is_prerelease, manifest_digest, manifest, signatures, yanked, created_at, publisher, total_size)
            VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11})
            """, version.Namespace, version.Name, version.Version, version.FullVersion, version.IsPrerelease, version.ManifestDigest,
            version.Manifest, version.Signatures, version.Yanked, _dialect.Time(version.CreatedAt), version.Publisher, version.TotalSize);
        foreach (var chunk in files.DistinctBy(f => f.Path).Chunk(200))
        {
            var rows = string.Join(", ", chunk.Select((_, i) => $"({{0}}, {{1}}, {{2}}, {{{3 + 2 * i}}}, {{{4 + 2 * i}}})"));
            var arguments = new List<object> { version.Namespace, version.Name, version.Version };
            foreach (var file in chunk) arguments.AddRange([file.Path, file.Digest.Hex]);
            batch.Add($$"""INSERT INTO artifact_files ("namespace", name, version, path, digest) VALUES {{rows}}""", [.. arguments]);
        }
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
            return true;
        }
        catch (Exception e) when (_dialect.IsUniqueViolation(e))
        {
            return false; // published already (perhaps just now, by a concurrent publish)
        }
    }

    public async Task<string?> FindTagAsync(NamespaceName ns, string name, string tag, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactTags.AsNoTracking().Where(t => t.Namespace == ns.Value && t.Name == name && t.Tag == tag).Select(t => t.Version).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Every tag of an artifact, by the version it points at.</summary>
    public async Task<ILookup<string, string>> TagsAsync(NamespaceName ns, string name, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var tags = await db.ArtifactTags.AsNoTracking().Where(t => t.Namespace == ns.Value && t.Name == name).ToListAsync(cancellationToken);
        return tags.OrderBy(t => t.Tag, StringComparer.Ordinal).ToLookup(t => t.Version, t => t.Tag);
    }

    /// <summary>Points the tag at the version (created or moved); false when the version does not exist.</summary>
    public async Task<bool> SetTagAsync(NamespaceName ns, string name, string tag, string version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch().Add("""
            INSERT INTO artifact_tags ("namespace", name, tag, version, updated_at)
            SELECT {0}, {1}, {2}, {3}, {4} WHERE EXISTS (SELECT 1 FROM artifact_versions WHERE "namespace" = {0} AND name = {1} AND version = {3})
            ON CONFLICT ("namespace", name, tag) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
            """, ns.Value, name, tag, version, _dialect.Time(now));
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken) > 0;
    }

    public async Task<bool> DeleteTagAsync(NamespaceName ns, string name, string tag, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactTags.Where(t => t.Namespace == ns.Value && t.Name == name && t.Tag == tag).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    public async Task<bool> SetYankedAsync(NamespaceName ns, string name, string version, bool yanked, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactVersions.Where(v => v.Namespace == ns.Value && v.Name == name && v.Version == version)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.Yanked, yanked), cancellationToken) > 0;
    }

    /// <summary>Removes the version, its tags and its files' pins (the blobs stay until garbage collection).</summary>
    public async Task<bool> DeleteVersionAsync(NamespaceName ns, string name, string version, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch()
            .Add("""DELETE FROM artifact_tags WHERE "namespace" = {0} AND name = {1} AND version = {2}""", ns.Value, name, version)
            .Add("""DELETE FROM artifact_versions WHERE "namespace" = {0} AND name = {1} AND version = {2}""", ns.Value, name, version)
            .Add("""SELECT COUNT(*) AS "Value" FROM artifact_versions WHERE "namespace" = {0} AND name = {1} AND version = {2}""", ns.Value, name, version);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var existed = await db.ArtifactVersions.AnyAsync(v => v.Namespace == ns.Value && v.Name == name && v.Version == version, cancellationToken);
        await _dialect.QueryAtomicAsync<int>(db, batch, cancellationToken);
        return existed;
    }

    /// <summary>Removes every artifact of the namespace (with their tags and pins).</summary>
    public async Task DeleteNamespaceAsync(NamespaceName ns, CancellationToken cancellationToken)
    {
        var batch = new SqlBatch()
            .Add("""DELETE FROM artifact_tags WHERE "namespace" = {0}""", ns.Value)
            .Add("""DELETE FROM artifact_versions WHERE "namespace" = {0}""", ns.Value);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await _dialect.ExecuteAtomicAsync(db, batch, cancellationToken);
    }

    private static PublishedVersion ToPublished(ArtifactVersion v) =>
        new(v.Namespace, v.Name, v.Version, v.FullVersion, v.IsPrerelease, v.ManifestDigest, v.Manifest, v.Signatures, v.Yanked, v.CreatedAt, v.Publisher, v.TotalSize);
}
