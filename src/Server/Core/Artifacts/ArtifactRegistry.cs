using System.Text;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Metadata;
using NuGet.Versioning;

namespace CacheRegistry.Server.Core.Artifacts;

/// <summary>
/// Versioned artifacts: immutable manifests of CAS files, with tags, yanking and resolution of
/// ranges and tags to the highest matching version. Files are blobs of the namespace, so identical
/// files across versions are stored once, and a published version pins them against eviction.
/// </summary>
public sealed class ArtifactRegistry(ArtifactCatalog catalog, ContentStore content, TimeProvider clock)
{
    private const int MaxTags = 16;

    /// <returns>True when the version is new; false when the same manifest was already published.</returns>
    public async Task<(bool Created, ArtifactVersionInfo Info)> PublishAsync(NamespaceName ns, string name, string versionText, PublishRequest request, string publisher, CancellationToken cancellationToken)
    {
        var version = ParseVersion(versionText);
        var manifest = new ArtifactManifest(name, version.ToFullString(), request.Files ?? [], request.Metadata ?? new Dictionary<string, string>());
        var problems = manifest.Problems().ToList();
        if (problems.Count > 0) throw DomainException.Invalid(string.Join("; ", problems));
        var signatures = request.Signatures ?? [];
        if (signatures.FirstOrDefault(s => !ManifestSignatures.IsValid(s, manifest)) is { } bad)
        {
            throw DomainException.Invalid($"signature by key {bad.KeyId} does not verify against the manifest");
        }
        var tags = request.Tags ?? [];
        if (tags.Count > MaxTags) throw DomainException.Invalid($"at most {MaxTags} tags per publish");
        foreach (var tag in tags) ValidateTag(tag);

        var files = manifest.Files.Select(f => new VersionFile(f.Path, Sha256Digest.Parse(f.Digest))).ToList();
        // Files found here count as used now, so eviction leaves them alone until they are pinned.
        var missing = await content.FindMissingAsync(ns, files.Select(f => f.Digest).ToList(), cancellationToken);
        if (missing.Count > 0) throw new MissingBlobsException(missing.Select(d => d.Hex).ToList());

        var digest = manifest.Digest.Hex;
        var identity = version.ToNormalizedString();
        var record = new PublishedVersion(ns.Value, name, identity, version.ToFullString(), version.IsPrerelease, digest,
            Encoding.UTF8.GetString(manifest.CanonicalJson()), JsonSerializer.Serialize(signatures), Yanked: false, clock.GetUtcNow(), publisher,
            manifest.Files.Sum(f => f.Size));
        // The empty file is never stored, so it pins nothing. Files just checked were used within eviction's grace period.
        var created = await catalog.AddAsync(record, files.Where(f => !f.Digest.IsEmpty).ToList(), cancellationToken);
        if (!created)
        {
            var existing = await catalog.FindAsync(ns, name, identity, cancellationToken) ?? throw new InvalidOperationException("a version reported as published is not there");
            if (existing.ManifestDigest != digest)
            {
                throw DomainException.Conflict($"{name}@{existing.FullVersion} is already published with other content (manifest {existing.ManifestDigest}); versions are immutable");
            }
        }
        foreach (var tag in tags) await catalog.SetTagAsync(ns, name, tag, identity, clock.GetUtcNow(), cancellationToken);
        return (created, (await GetAsync(ns, name, identity, cancellationToken))!);
    }

    public async Task<ArtifactVersionInfo?> GetAsync(NamespaceName ns, string name, string versionText, CancellationToken cancellationToken)
    {
        var record = await catalog.FindAsync(ns, name, ParseVersion(versionText).ToNormalizedString(), cancellationToken);
        return record is null ? null : ToInfo(record, await catalog.TagsAsync(ns, name, cancellationToken));
    }

    /// <summary>A range or a tag to the highest matching version that is not yanked; null when none matches.</summary>
    public async Task<ArtifactVersionInfo?> ResolveAsync(NamespaceName ns, string name, string spec, bool includePrerelease, CancellationToken cancellationToken)
    {
        if (SemVerRange.TryParse(spec, out var range))
        {
            var best = (await catalog.VersionsAsync(ns, name, cancellationToken))
                .Select(v => (Record: v, Version: SemanticVersion.Parse(v.FullVersion)))
                .Where(v => !v.Record.Yanked && range.Matches(v.Version, includePrerelease))
                .OrderByDescending(v => v.Version, VersionComparer.Default)
                .FirstOrDefault();
            return best.Record is null ? null : ToInfo(best.Record, await catalog.TagsAsync(ns, name, cancellationToken));
        }
        ValidateTag(spec);
        var tagged = await catalog.FindTagAsync(ns, name, spec, cancellationToken);
        return tagged is null ? null : await GetAsync(ns, name, tagged, cancellationToken);
    }

    public async Task<Page<ArtifactVersionInfo>> ListVersionsAsync(NamespaceName ns, string name, int page, int size, CancellationToken cancellationToken)
    {
        var all = (await catalog.VersionsAsync(ns, name, cancellationToken))
            .OrderByDescending(v => SemanticVersion.Parse(v.FullVersion), VersionComparer.Default).ToList();
        var tags = await catalog.TagsAsync(ns, name, cancellationToken);
        var items = all.Skip((page - 1) * size).Take(size).Select(v => ToInfo(v, tags)).ToList();
        return new Page<ArtifactVersionInfo>(items, page, size, all.Count);
    }

    public async Task<Page<ArtifactSummary>> ListArtifactsAsync(NamespaceName ns, string? search, int page, int size, CancellationToken cancellationToken)
    {
        var versions = await catalog.ListAsync(ns, search, cancellationToken);
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
        if (!await catalog.SetTagAsync(ns, name, tag, ParseVersion(versionText).ToNormalizedString(), clock.GetUtcNow(), cancellationToken))
        {
            throw DomainException.NotFound($"{name}@{versionText} does not exist");
        }
    }

    public Task<bool> DeleteTagAsync(NamespaceName ns, string name, string tag, CancellationToken cancellationToken) =>
        catalog.DeleteTagAsync(ns, name, tag, cancellationToken);

    public Task<bool> SetYankedAsync(NamespaceName ns, string name, string versionText, bool yanked, CancellationToken cancellationToken) =>
        catalog.SetYankedAsync(ns, name, ParseVersion(versionText).ToNormalizedString(), yanked, cancellationToken);

    /// <summary>Removes the version and the tags on it. Its files stay until garbage collection finds them unused.</summary>
    public Task<bool> DeleteVersionAsync(NamespaceName ns, string name, string versionText, CancellationToken cancellationToken) =>
        catalog.DeleteVersionAsync(ns, name, ParseVersion(versionText).ToNormalizedString(), cancellationToken);

    public static SemanticVersion ParseVersion(string text) =>
        SemanticVersion.TryParse(text, out var version) ? version : throw DomainException.Invalid($"'{text}' is not a SemVer 2.0 version");

    private static void ValidateTag(string tag)
    {
        if (tag.Length is 0 or > 64 || !char.IsAsciiLetterLower(tag[0]) || !tag.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
        {
            throw DomainException.Invalid($"'{tag}' is neither a version range nor a tag (tags: a lowercase letter, then letters, digits, '.', '_', '-')");
        }
    }

    private static ArtifactVersionInfo ToInfo(PublishedVersion record, ILookup<string, string> tags)
    {
        var manifest = JsonSerializer.Deserialize<ArtifactManifest>(record.Manifest, JsonSerializerOptions.Web)!;
        var signatures = JsonSerializer.Deserialize<List<ArtifactSignature>>(record.Signatures) ?? [];
        return new ArtifactVersionInfo(record.Namespace, record.Name, record.FullVersion, record.ManifestDigest, manifest, signatures, tags[record.Version].ToList(),
            record.Yanked, record.CreatedAt, record.Publisher, record.TotalSize);
    }
}
