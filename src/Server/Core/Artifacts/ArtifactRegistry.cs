using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using NuGet.Versioning;

namespace CacheRegistry.Server.Core.Artifacts;

/// <summary>
/// Versioned artifacts: immutable manifests of CAS files, with tags, yanking and resolution of
/// ranges and tags to the highest matching version. Files are blobs of the namespace, so identical
/// files across versions are stored once.
/// </summary>
public sealed class ArtifactRegistry(IDbContextFactory<CacheDbContext> contexts, BlobCatalog catalog, TimeProvider clock)
{
    private const int MaxTags = 16;

    /// <returns>True when the version is new; false when the same manifest was already published.</returns>
    public async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(NamespaceName ns, string name, string versionText, PublishRequest request, string publisher, CancellationToken cancellationToken)
    {
        var version = ParseVersion(versionText);
        var manifest = new ArtifactManifest(name, version.ToFullString(), request.Files ?? [], request.Metadata ?? new Dictionary<string, string>());
        var problems = manifest.Problems().ToList();
        if (problems.Count > 0) throw CacheRequestException.BadRequest(string.Join("; ", problems));
        var signatures = request.Signatures ?? [];
        if (signatures.FirstOrDefault(s => !ManifestSignatures.IsValid(s, manifest)) is { } bad)
        {
            throw CacheRequestException.BadRequest($"signature by key {bad.KeyId} does not verify against the manifest");
        }
        var tags = request.Tags ?? [];
        if (tags.Count > MaxTags) throw CacheRequestException.BadRequest($"at most {MaxTags} tags per publish");
        foreach (var tag in tags) ValidateTag(tag);

        var missing = await catalog.FindMissingAsync(ns, manifest.Files.Select(f => Sha256Digest.Parse(f.Digest)).ToList(), cancellationToken);
        if (missing.Count > 0) throw CacheRequestException.BadRequest($"upload these files first: {string.Join(", ", missing.Take(20))}");

        var digest = manifest.Digest.Hex;
        var identity = version.ToNormalizedString();
        var existing = await FindRecordAsync(ns, name, identity, cancellationToken);
        var created = existing is null;
        if (existing is null)
        {
            var record = new ArtifactVersion
            {
                Namespace = ns.Value, Name = name, Version = identity, FullVersion = version.ToFullString(), IsPrerelease = version.IsPrerelease,
                ManifestDigest = digest, Manifest = Encoding.UTF8.GetString(manifest.CanonicalJson()), Signatures = JsonSerializer.Serialize(signatures),
                CreatedAt = clock.GetUtcNow(), Publisher = publisher, TotalSize = manifest.Files.Sum(f => f.Size),
            };
            try
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken);
                db.ArtifactVersions.Add(record);
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                existing = await FindRecordAsync(ns, name, identity, cancellationToken) ?? throw new InvalidOperationException("publish raced and lost its row");
                created = false;
            }
        }
        if (existing is not null && existing.ManifestDigest != digest)
        {
            throw new CacheRequestException(StatusCodes.Status409Conflict,
                $"{name}@{existing.FullVersion} is already published with other content (manifest {existing.ManifestDigest}); versions are immutable");
        }
        foreach (var tag in tags) await SetTagAsync(ns, name, tag, identity, cancellationToken);
        return (created, (await GetAsync(ns, name, identity, cancellationToken))!);
    }

    public async Task<ArtifactVersionInfo?> GetAsync(NamespaceName ns, string name, string versionText, CancellationToken cancellationToken)
    {
        var record = await FindRecordAsync(ns, name, ParseVersion(versionText).ToNormalizedString(), cancellationToken);
        return record is null ? null : await ToInfoAsync(record, cancellationToken);
    }

    /// <summary>A range or a tag to the highest matching version that is not yanked; null when none matches.</summary>
    public async Task<ArtifactVersionInfo?> ResolveAsync(NamespaceName ns, string name, string spec, bool includePrerelease, CancellationToken cancellationToken)
    {
        if (VersionRange.TryParse(spec, out var range))
        {
            var candidates = (await VersionsOfAsync(ns, name, cancellationToken))
                .Where(v => !v.Record.Yanked && range.Matches(v.Version, includePrerelease))
                .OrderByDescending(v => v.Version, VersionComparer.Default)
                .FirstOrDefault();
            return candidates.Record is null ? null : await ToInfoAsync(candidates.Record, cancellationToken);
        }
        ValidateTag(spec);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tag = await db.ArtifactTags.AsNoTracking().FirstOrDefaultAsync(t => t.Namespace == ns.Value && t.Name == name && t.Tag == spec, cancellationToken);
        if (tag is null) return null;
        var tagged = await FindRecordAsync(ns, name, tag.Version, cancellationToken);
        return tagged is null ? null : await ToInfoAsync(tagged, cancellationToken);
    }

    public async Task<Page<ArtifactVersionInfo>> ListVersionsAsync(NamespaceName ns, string name, int page, int size, CancellationToken cancellationToken)
    {
        var all = (await VersionsOfAsync(ns, name, cancellationToken)).OrderByDescending(v => v.Version, VersionComparer.Default).ToList();
        var tags = await TagsOfAsync(ns.Value, name, cancellationToken);
        var items = all.Skip((page - 1) * size).Take(size).Select(v => ToInfo(v.Record, tags)).ToList();
        return new Page<ArtifactVersionInfo>(items, page, size, all.Count);
    }

    public async Task<Page<ArtifactSummary>> ListArtifactsAsync(NamespaceName ns, string? search, int page, int size, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.ArtifactVersions.AsNoTracking().Where(v => v.Namespace == ns.Value);
        if (!string.IsNullOrEmpty(search)) query = query.Where(v => v.Name.Contains(search));
        var versions = await query.Select(v => new { v.Name, v.FullVersion, v.Yanked, v.IsPrerelease, v.CreatedAt }).ToListAsync(cancellationToken);
        var summaries = versions.GroupBy(v => v.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ArtifactSummary(
            g.Key,
            g.Where(v => !v.Yanked && !v.IsPrerelease).Select(v => SemanticVersion.Parse(v.FullVersion)).OrderByDescending(v => v, VersionComparer.Default).FirstOrDefault()?.ToFullString(),
            g.Count(),
            g.Max(v => v.CreatedAt))).ToList();
        return new Page<ArtifactSummary>(summaries.Skip((page - 1) * size).Take(size).ToList(), page, size, summaries.Count);
    }

    public async Task SetTagAsync(NamespaceName ns, string name, string tag, string versionText, CancellationToken cancellationToken)
    {
        ValidateTag(tag);
        var identity = ParseVersion(versionText).ToNormalizedString();
        if (await FindRecordAsync(ns, name, identity, cancellationToken) is null) throw CacheRequestException.NotFound($"{name}@{versionText} does not exist");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var moved = await db.ArtifactTags.Where(t => t.Namespace == ns.Value && t.Name == name && t.Tag == tag)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.Version, identity).SetProperty(t => t.UpdatedAt, now), cancellationToken);
        if (moved > 0) return;
        db.ArtifactTags.Add(new ArtifactTag { Namespace = ns.Value, Name = name, Tag = tag, Version = identity, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // a concurrent writer created it: move it
            await db.ArtifactTags.Where(t => t.Namespace == ns.Value && t.Name == name && t.Tag == tag)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.Version, identity).SetProperty(t => t.UpdatedAt, now), cancellationToken);
        }
    }

    public async Task<bool> DeleteTagAsync(NamespaceName ns, string name, string tag, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactTags.Where(t => t.Namespace == ns.Value && t.Name == name && t.Tag == tag).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    public async Task<bool> SetYankedAsync(NamespaceName ns, string name, string versionText, bool yanked, CancellationToken cancellationToken)
    {
        var identity = ParseVersion(versionText).ToNormalizedString();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactVersions.Where(v => v.Namespace == ns.Value && v.Name == name && v.Version == identity)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.Yanked, yanked), cancellationToken) > 0;
    }

    /// <summary>Removes the version and the tags on it. Its files stay until garbage collection finds them unreferenced.</summary>
    public async Task<bool> DeleteVersionAsync(NamespaceName ns, string name, string versionText, CancellationToken cancellationToken)
    {
        var identity = ParseVersion(versionText).ToNormalizedString();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.ArtifactTags.Where(t => t.Namespace == ns.Value && t.Name == name && t.Version == identity).ExecuteDeleteAsync(cancellationToken);
        return await db.ArtifactVersions.Where(v => v.Namespace == ns.Value && v.Name == name && v.Version == identity).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    public static SemanticVersion ParseVersion(string text) =>
        SemanticVersion.TryParse(text, out var version) ? version : throw CacheRequestException.BadRequest($"'{text}' is not a SemVer 2.0 version");

    private static void ValidateTag(string tag)
    {
        if (tag.Length is 0 or > 64 || !char.IsAsciiLetterLower(tag[0]) || !tag.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
        {
            throw CacheRequestException.BadRequest($"'{tag}' is neither a version range nor a tag (tags: a lowercase letter, then letters, digits, '.', '_', '-')");
        }
    }

    private async Task<ArtifactVersion?> FindRecordAsync(NamespaceName ns, string name, string identity, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ArtifactVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Namespace == ns.Value && v.Name == name && v.Version == identity, cancellationToken);
    }

    private async Task<List<(ArtifactVersion Record, SemanticVersion Version)>> VersionsOfAsync(NamespaceName ns, string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var records = await db.ArtifactVersions.AsNoTracking().Where(v => v.Namespace == ns.Value && v.Name == name).ToListAsync(cancellationToken);
        return records.Select(r => (r, SemanticVersion.Parse(r.FullVersion))).ToList();
    }

    private async Task<ArtifactVersionInfo> ToInfoAsync(ArtifactVersion record, CancellationToken cancellationToken) =>
        ToInfo(record, await TagsOfAsync(record.Namespace, record.Name, cancellationToken));

    /// <summary>Every tag of an artifact, by the version it points at (one query for a whole page of versions).</summary>
    private async Task<ILookup<string, string>> TagsOfAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tags = await db.ArtifactTags.AsNoTracking().Where(t => t.Namespace == ns && t.Name == name).ToListAsync(cancellationToken);
        return tags.OrderBy(t => t.Tag, StringComparer.Ordinal).ToLookup(t => t.Version, t => t.Tag);
    }

    private static ArtifactVersionInfo ToInfo(ArtifactVersion record, ILookup<string, string> tags)
    {
        var manifest = JsonSerializer.Deserialize<ArtifactManifest>(record.Manifest, JsonSerializerOptions.Web)!;
        var signatures = JsonSerializer.Deserialize<List<ArtifactSignature>>(record.Signatures) ?? [];
        return new ArtifactVersionInfo(record.Namespace, record.Name, record.FullVersion, record.ManifestDigest, manifest, signatures, tags[record.Version].ToList(),
            record.Yanked, record.CreatedAt, record.Publisher, record.TotalSize);
    }
}
