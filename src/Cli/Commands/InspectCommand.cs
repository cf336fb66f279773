using System.CommandLine;
using System.Globalization;
using CacheRegistry.Cli.Output;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Artifacts;
using CacheRegistry.Common.Hashing;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache inspect &lt;sha256|artifact&gt; [--json]`: what the server records about a blob or an artifact.</summary>
public static class InspectCommand
{
    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var target = new Argument<string>("target") { Description = "'stats' (with --namespace N for one), a blob's sha256, or an artifact: [namespace/]name[@version]" };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("inspect", "Show a blob (sizes, encoding, timestamps, hits, namespaces) or an artifact (versions, tags, sizes, publishers, signatures).")
        {
            target, jsonOption,
        };
        command.SetAction((result, token) => run(result, async context =>
        {
            var text = result.GetValue(target)!;
            var json = result.GetValue(jsonOption);
            if (text == "stats") return await OperatorCommands.InspectStatsAsync(context, json, token);
            if (Sha256Digest.TryParse(text, out var digest)) return await InspectBlobAsync(context, digest, json, token);
            if (!ArtifactReference.TryParse(text, out _, out _, out _))
            {
                return context.Fail(ExitCodes.Usage, $"'{text}' is neither 'stats', a SHA-256 digest nor [namespace/]name[@version]");
            }
            var artifact = ArtifactArgument.Parse(text, "[namespace/]name[@version]", SpecRule.Optional);
            if (artifact.Spec is { } spec && !ArtifactVersions.IsValidVersion(spec)) throw new UsageException($"'{spec}' is not a version: inspect takes an exact version (cache list shows them)");
            return await InspectArtifactAsync(context, artifact.Namespace, artifact.Name, artifact.Spec, json, token);
        }));
        return command;
    }

    private static async Task<int> InspectBlobAsync(CliContext context, Sha256Digest digest, bool json, CancellationToken token)
    {
        using var client = context.CreateOperatorClient();
        var info = await client.GetBlobInfoAsync(digest, token);
        if (info is null) return context.Fail(ExitCodes.NotFound, $"blob {digest} not found");
        if (json) JsonOutput.Write(context.Output, info);
        else WriteTable(context.Output, info);
        return ExitCodes.Success;
    }

    private static async Task<int> InspectArtifactAsync(CliContext context, string? ns, string name, string? version, bool json, CancellationToken token)
    {
        using var client = context.CreateClient(ns);
        if (version is not null)
        {
            var info = await client.GetVersionAsync(name, version, token);
            if (info is null) return context.Fail(ExitCodes.NotFound, $"{name}@{version} not found");
            if (json) return context.Json(info);
            var details = new Table().Border(TableBorder.Rounded).AddColumn("Field").AddColumn(new TableColumn("Value").NoWrap());
            void Row(string field, string value) => details.AddRow(Markup.Escape(field), Markup.Escape(value));
            Row("artifact", $"{info.Namespace}/{info.Name}@{info.Version}");
            Row("manifest", info.ManifestDigest);
            Row("size", $"{info.TotalSize.ToString("N0", CultureInfo.InvariantCulture)} bytes in {info.Manifest.Files.Count} files");
            Row("published", $"{info.CreatedAt.ToString("u", CultureInfo.InvariantCulture)} by {info.Publisher}");
            Row("tags", info.Tags.Count == 0 ? "(none)" : string.Join(", ", info.Tags));
            Row("yanked", info.Yanked ? "yes" : "no");
            Row("signatures", info.Signatures.Count == 0 ? "(none)" : string.Join(", ", info.Signatures.Select(s => $"{s.Algorithm} by key {s.KeyId[..16]}")));
            foreach (var (key, value) in info.Manifest.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) Row($"meta {key}", value);
            foreach (var file in info.Manifest.Files) Row(file.Path, file.LinkTarget is { } target ? $"-> {target}" : $"{file.Digest} {file.Size} bytes{(file.Executable ? " executable" : "")}");
            PlainConsole.For(context.Output).Write(details);
            return ExitCodes.Success;
        }

        var versions = await client.ListVersionsAsync(name, 1, 500, token);
        if (versions.Total == 0) return context.Fail(ExitCodes.NotFound, $"artifact {name} not found");
        if (json) return context.Json(versions);
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "version", "tags", "size", "published", "publisher", "signatures", "yanked" }) table.AddColumn(column);
        foreach (var v in versions.Items)
        {
            table.AddRow(Markup.Escape(v.Version), Markup.Escape(string.Join(", ", v.Tags)), v.TotalSize.ToString("N0", CultureInfo.InvariantCulture),
                v.CreatedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(v.Publisher), v.Signatures.Count.ToString(CultureInfo.InvariantCulture), v.Yanked ? "yes" : "");
        }
        PlainConsole.For(context.Output).Write(table);
        return ExitCodes.Success;
    }

    private static void WriteTable(TextWriter output, BlobInfo info)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Field").AddColumn(new TableColumn("Value").NoWrap());
        void Row(string field, string value) => table.AddRow(Markup.Escape(field), Markup.Escape(value));
        Row("digest", info.Digest);
        Row("size", $"{info.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        Row("stored size", $"{info.StoredSize.ToString("N0", CultureInfo.InvariantCulture)} bytes ({Ratio(info)})");
        Row("encoding", info.Encoding);
        Row("created", info.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
        Row("last access", info.LastAccessAt.ToString("u", CultureInfo.InvariantCulture));
        Row("hits", info.HitCount.ToString(CultureInfo.InvariantCulture));
        Row("namespaces", info.Namespaces.Count == 0 ? "(none)" : string.Join(", ", info.Namespaces));
        PlainConsole.For(output).Write(table);
    }

    private static string Ratio(BlobInfo info) =>
        info.Size == 0 ? "empty" : $"{(double)info.StoredSize / info.Size:P0} of size";
}
