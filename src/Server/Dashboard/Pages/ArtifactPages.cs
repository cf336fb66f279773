using System.Text.Encodings.Web;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Server.Core.Artifacts;
using CacheRegistry.Server.Dashboard.Html;
using CacheRegistry.Server.Http;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>
/// The artifact browser, at stable URLs: namespaces (<c>/artifacts</c>), names (<c>/artifacts/{ns}</c>),
/// versions (<c>/artifacts/{ns}/{name}</c>) and one version (<c>/artifacts/{ns}/{name}/{version}</c>) with
/// its files, signatures, metadata, publisher, downloads and the lines to copy into a shell or a project.
/// </summary>
public static class ArtifactPages
{
    private const int MaxListed = 500;

    private static readonly JsonSerializerOptions LockJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // shown as HTML-encoded text, never as script
    };

    public static async Task<IResult> NamespacesAsync(HttpContext context, DashboardCatalog catalog)
    {
        var viewer = Viewer.Of(context);
        var namespaces = (await catalog.ArtifactNamespacesAsync(context.RequestAborted)).Where(n => viewer.CanRead(n.Key)).OrderBy(n => n.Key, StringComparer.Ordinal).ToList();
        return Layout.Page(context, "Artifacts", "artifacts", h =>
        {
            h.Element("h1", "Artifacts");
            if (namespaces.Count == 0)
            {
                h.Element("p", "No artifacts published in a namespace you can read (cache push).", ("class", "muted"));
                return;
            }
            using var table = h.Block("table", ("id", "artifact-namespaces"));
            using (h.Block("tr")) h.Element("th", "namespace").Element("th", "artifacts", ("class", "num"));
            foreach (var (ns, count) in namespaces)
            {
                using (h.Block("tr")) h.Open("td").Element("a", ns, ("href", NamespaceUrl(ns))).Close("td").Element("td", Format.Count(count), ("class", "num"));
            }
        });
    }

    public static async Task<IResult> NamesAsync(HttpContext context, string? search, RequestScope scope, ArtifactRegistry registry)
    {
        var ns = scope.RequiredNamespace;
        var page = await registry.ListArtifactsAsync(ns, search, 1, MaxListed, context.RequestAborted);
        return Layout.Page(context, $"Artifacts in {ns}", "artifacts", h =>
        {
            Breadcrumbs(h, ns.Value);
            h.Element("h1", $"Artifacts in {ns}");
            using (h.Block("form", ("method", "get"), ("class", "filters")))
            {
                using (h.Block("label")) h.Text("name contains").Void("input", ("type", "text"), ("name", "search"), ("value", search));
                h.Element("button", "Search", ("type", "submit"));
            }
            if (page.Items.Count == 0)
            {
                h.Element("p", "No artifacts.", ("class", "muted"));
                return;
            }
            using var table = h.Block("table", ("id", "artifact-names"));
            using (h.Block("tr")) h.Element("th", "name").Element("th", "latest").Element("th", "versions", ("class", "num")).Element("th", "updated");
            foreach (var artifact in page.Items)
            {
                using (h.Block("tr"))
                {
                    h.Open("td").Element("a", artifact.Name, ("href", NameUrl(ns.Value, artifact.Name))).Close("td");
                    h.Element("td", artifact.LatestVersion ?? "–").Element("td", Format.Count(artifact.VersionCount), ("class", "num")).Element("td", Format.Time(artifact.UpdatedAt));
                }
            }
            if (page.Total > page.Items.Count) h.Element("p", $"Showing {page.Items.Count} of {page.Total}; search to narrow.", ("class", "muted"));
        });
    }

    public static async Task<IResult> VersionsAsync(HttpContext context, string name, RequestScope scope, ArtifactRegistry registry, DashboardCatalog catalog)
    {
        var ns = scope.RequiredNamespace;
        var versions = (await registry.ListVersionsAsync(ns, name, 1, MaxListed, context.RequestAborted)).Items;
        if (versions.Count == 0) throw CacheRequestException.NotFound($"there is no artifact {name} in namespace {ns}");
        var fetches = await catalog.FetchCountsAsync(versions.SelectMany(v => v.Manifest.Files).Select(f => f.Digest).ToList(), context.RequestAborted);
        return Layout.Page(context, $"{ns}/{name}", "artifacts", h =>
        {
            Breadcrumbs(h, ns.Value, name);
            h.Element("h1", $"{ns}/{name}");
            using var wrap = h.Block("div", ("class", "table-wrap"));
            using var table = h.Block("table", ("id", "artifact-versions"));
            using (h.Block("tr"))
            {
                h.Element("th", "version").Element("th", "tags").Element("th", "size", ("class", "num")).Element("th", "files", ("class", "num"));
                h.Element("th", "downloads", ("class", "num")).Element("th", "signed").Element("th", "published");
            }
            foreach (var v in versions)
            {
                using (h.Block("tr"))
                {
                    using (h.Block("td"))
                    {
                        h.Element("a", v.Version, ("href", VersionUrl(ns.Value, name, v.Version)));
                        if (v.Yanked) h.Text(" ").Element("span", "yanked", ("class", "yanked"));
                    }
                    h.Element("td", string.Join(", ", v.Tags)).Element("td", Format.Bytes(v.TotalSize), ("class", "num")).Element("td", Format.Count(v.Manifest.Files.Count), ("class", "num"));
                    h.Element("td", Format.Count(Downloads(v, fetches)), ("class", "num")).Element("td", v.Signatures.Count == 0 ? "no" : string.Join(", ", v.Signatures.Select(s => s.KeyId)));
                    h.Element("td", $"{Format.Time(v.CreatedAt)} by {v.Publisher}");
                }
            }
        });
    }

    public static async Task<IResult> VersionAsync(HttpContext context, string name, string version, RequestScope scope, ArtifactRegistry registry, DashboardCatalog catalog)
    {
        var ns = scope.RequiredNamespace;
        var info = await registry.GetAsync(ns, name, version, context.RequestAborted) ?? throw CacheRequestException.NotFound($"{ns}/{name}@{version} does not exist");
        var fetches = await catalog.FetchCountsAsync(info.Manifest.Files.Select(f => f.Digest).ToList(), context.RequestAborted);
        var reference = $"{ns}/{name}";
        return Layout.Page(context, $"{reference}@{info.Version}", "artifacts", h =>
        {
            Breadcrumbs(h, ns.Value, name);
            using (h.Block("h1"))
            {
                h.Text($"{reference}@{info.Version}");
                if (info.Yanked) h.Text(" ").Element("span", "yanked", ("class", "yanked"), ("id", "yanked"));
            }
            using (h.Block("dl", ("class", "facts"), ("id", "version-facts")))
            {
                h.Element("dt", "tags").Element("dd", info.Tags.Count == 0 ? "none" : string.Join(", ", info.Tags));
                h.Element("dt", "size").Element("dd", $"{Format.Bytes(info.TotalSize)} in {Format.Count(info.Manifest.Files.Count)} files");
                h.Element("dt", "published").Element("dd", $"{Format.Time(info.CreatedAt)} by {info.Publisher}");
                h.Element("dt", "downloads").Element("dd", $"{Format.Count(Downloads(info, fetches))} (complete fetches of its files; a file shared with other versions counts for each)", ("id", "downloads"));
                h.Element("dt", "manifest digest").Open("dd").Element("code", info.ManifestDigest).Close("dd");
                h.Element("dt", "yanked").Element("dd", info.Yanked ? "yes: hidden from resolution, still pullable by exact version" : "no");
            }

            h.Element("h2", "Use it");
            CopyLine(h, "pull-command", "Pull it (with CACHE_SERVER and CACHE_TOKEN set)", $"cache pull {reference}@{info.Version}");
            CopyLine(h, "cache-json-line", "Depend on it in cache.json", $"\"{reference}\": \"{info.Version}\"");
            CopyLine(h, "cache-lock-entry", "Its cache.lock entry (what cache resolve writes)", LockEntry(reference, ns.Value, name, info));

            h.Element("h2", "Files");
            using (h.Block("div", ("class", "table-wrap")))
            using (h.Block("table", ("id", "files")))
            {
                using (h.Block("tr")) h.Element("th", "path").Element("th", "size", ("class", "num")).Element("th", "digest (SHA-256)").Element("th", "executable").Element("th", "fetches", ("class", "num"));
                foreach (var file in info.Manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
                {
                    using (h.Block("tr"))
                    {
                        h.Open("td").Element("code", file.Path).Close("td").Element("td", Format.Bytes(file.Size), ("class", "num"));
                        h.Open("td").Element("code", file.Digest).Close("td").Element("td", file.Executable ? "yes" : "no");
                        h.Element("td", Format.Count(fetches.GetValueOrDefault(file.Digest)), ("class", "num"));
                    }
                }
            }

            h.Element("h2", "Signatures");
            if (info.Signatures.Count == 0) h.Element("p", "Not signed.", ("class", "muted"));
            else
            {
                using var table = h.Block("table", ("id", "signatures"));
                using (h.Block("tr")) h.Element("th", "signer (key id)").Element("th", "algorithm").Element("th", "verifies against the manifest");
                foreach (var signature in info.Signatures)
                {
                    using (h.Block("tr"))
                    {
                        h.Open("td").Element("code", signature.KeyId).Close("td").Element("td", signature.Algorithm);
                        h.Element("td", ManifestSignatures.IsValid(signature, info.Manifest) ? "yes" : "NO");
                    }
                }
            }

            h.Element("h2", "Metadata");
            if (info.Manifest.Metadata.Count == 0) h.Element("p", "None.", ("class", "muted"));
            else
            {
                using var table = h.Block("table", ("id", "metadata"));
                using (h.Block("tr")) h.Element("th", "key").Element("th", "value");
                foreach (var (key, value) in info.Manifest.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    using (h.Block("tr")) h.Open("td").Element("code", key).Close("td").Element("td", value);
                }
            }
        });
    }

    /// <summary>Complete downloads of a version: how often its least fetched (non-empty) file was fetched.</summary>
    private static long Downloads(ArtifactVersionInfo version, IReadOnlyDictionary<string, long> fetches)
    {
        var files = version.Manifest.Files.Where(f => f.Size > 0).ToList();
        return files.Count == 0 ? 0 : files.Min(f => fetches.GetValueOrDefault(f.Digest));
    }

    private static string LockEntry(string reference, string ns, string name, ArtifactVersionInfo info)
    {
        var entry = new Dictionary<string, object>
        {
            [reference] = new
            {
                spec = info.Version,
                @namespace = ns,
                name,
                version = info.Version,
                manifestDigest = info.ManifestDigest,
                files = info.Manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal),
                metadata = info.Manifest.Metadata,
                signatures = info.Signatures,
            },
        };
        return JsonSerializer.Serialize(entry, LockJson);
    }

    private static void CopyLine(Html.Html h, string id, string label, string text)
    {
        h.Element("h3", label);
        using var row = h.Block("div", ("class", "copy"));
        h.Element("pre", text, ("id", id));
        h.Element("button", "Copy", ("type", "button"), ("data-copy", id), ("id", $"copy-{id}"));
    }

    private static void Breadcrumbs(Html.Html h, string ns, string? name = null)
    {
        using var nav = h.Block("nav", ("aria-label", "breadcrumbs"), ("class", "muted"));
        h.Element("a", "Artifacts", ("href", "/artifacts")).Text(" / ").Element("a", ns, ("href", NamespaceUrl(ns)));
        if (name is not null) h.Text(" / ").Element("a", name, ("href", NameUrl(ns, name)));
    }

    public static string NamespaceUrl(string ns) => $"/artifacts/{Uri.EscapeDataString(ns)}";

    public static string NameUrl(string ns, string name) => $"{NamespaceUrl(ns)}/{Uri.EscapeDataString(name)}";

    public static string VersionUrl(string ns, string name, string version) => $"{NameUrl(ns, name)}/{Uri.EscapeDataString(version)}";
}
