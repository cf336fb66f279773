using System.CommandLine;
using System.Globalization;
using CacheRegistry.Cli.Output;
using CacheRegistry.Common.Api;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache list | yank | tag`: looking after published versions.</summary>
public static class RegistryCommands
{
    private const int PageSize = 500;

    public static IEnumerable<Command> Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        yield return List(run);
        yield return Yank(run);
        yield return Tag(run);
    }

    private static Command List(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string?>("artifact") { Description = "[namespace/]name: its versions; none: the namespace's artifacts", Arity = ArgumentArity.ZeroOrOne };
        var search = new Option<string?>("--search") { Description = "Only artifacts whose name contains this" };
        var json = ArtifactCommands.JsonOption();
        var command = new Command("list", "List the artifacts of a namespace, or the versions of one artifact (newest first).") { reference, search, json };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            if (result.GetValue(reference) is not { } text)
            {
                using var client = context.CreateClient();
                var artifacts = new List<ArtifactSummary>();
                for (var page = 1; ; page++)
                {
                    var batch = await client.ListArtifactsAsync(result.GetValue(search), page, PageSize, cancellation);
                    artifacts.AddRange(batch.Items);
                    if (batch.Items.Count == 0 || artifacts.Count >= batch.Total) break;
                }
                if (result.GetValue(json))
                {
                    return context.Json(new ArtifactListDocument(context.DefaultNamespace, artifacts.Select(a => new ArtifactListItem(a.Name, a.LatestVersion, a.VersionCount, a.UpdatedAt)).ToList()));
                }
                if (artifacts.Count == 0)
                {
                    context.Say($"no artifacts in namespace {context.DefaultNamespace}");
                    return ExitCodes.Success;
                }
                var table = new Table().Border(TableBorder.Rounded);
                foreach (var column in new[] { "artifact", "latest", "versions", "updated" }) table.AddColumn(column);
                foreach (var a in artifacts)
                {
                    table.AddRow(Markup.Escape($"{context.DefaultNamespace}/{a.Name}"), Markup.Escape(a.LatestVersion ?? "(none released)"),
                        a.VersionCount.ToString(CultureInfo.InvariantCulture), a.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                PlainConsole.For(context.Output).Write(table);
                return ExitCodes.Success;
            }

            var artifact = ArtifactArgument.Parse(text, "[namespace/]name", SpecRule.None);
            using var versionsClient = context.CreateClient(artifact.Namespace);
            var versions = new List<ArtifactVersionInfo>();
            for (var page = 1; ; page++)
            {
                var batch = await versionsClient.ListVersionsAsync(artifact.Name, page, PageSize, cancellation);
                versions.AddRange(batch.Items);
                if (batch.Items.Count == 0 || versions.Count >= batch.Total) break;
            }
            var label = $"{artifact.NamespaceIn(context)}/{artifact.Name}";
            if (versions.Count == 0) return context.Fail(ExitCodes.NotFound, $"artifact {label} not found");
            if (result.GetValue(json))
            {
                return context.Json(new VersionListDocument(artifact.NamespaceIn(context), artifact.Name, versions.Select(v =>
                    new VersionListItem(v.Version, v.Tags, v.Yanked, v.TotalSize, v.Manifest.Files.Count, v.CreatedAt, v.Publisher, v.ManifestDigest, v.Signatures.Count)).ToList()));
            }
            var versionTable = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(label));
            foreach (var column in new[] { "version", "tags", "size", "files", "published", "publisher", "yanked" }) versionTable.AddColumn(column);
            foreach (var v in versions)
            {
                versionTable.AddRow(Markup.Escape(v.Version), Markup.Escape(string.Join(", ", v.Tags)), Sizes.Bytes(v.TotalSize), v.Manifest.Files.Count.ToString(CultureInfo.InvariantCulture),
                    v.CreatedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(v.Publisher), v.Yanked ? "yes" : "");
            }
            PlainConsole.For(context.Output).Write(versionTable);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Yank(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string>("artifact") { Description = "[namespace/]name@version" };
        var undo = new Option<bool>("--undo") { Description = "Un-yank: make the version resolvable again" };
        var json = ArtifactCommands.JsonOption();
        var command = new Command("yank", "Hide a version from resolution (it stays pullable by its exact version and in existing locks); --undo reverses it.")
        {
            reference, undo, json,
        };
        command.SetAction((result, cancellation) => run(result, async context =>
        {
            var artifact = ArtifactArgument.Parse(result.GetValue(reference)!, "[namespace/]name@version", SpecRule.ExactVersion);
            var yanked = !result.GetValue(undo);
            using var client = context.CreateClient(artifact.Namespace);
            var label = $"{artifact.NamespaceIn(context)}/{artifact.Name}@{artifact.Spec}";
            if (!await client.SetYankedAsync(artifact.Name, artifact.Spec!, yanked, cancellation)) return context.Fail(ExitCodes.NotFound, $"{label} not found");
            if (result.GetValue(json)) return context.Json(new YankDocument(artifact.NamespaceIn(context), artifact.Name, artifact.Spec!, yanked));
            context.Say(yanked ? $"yanked {label}" : $"un-yanked {label}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Tag(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var tag = new Command("tag", "Point tags at versions, or remove them (tags resolve like ranges: cache pull acme/tool@stable).");

        var addReference = new Argument<string>("artifact") { Description = "[namespace/]name@version" };
        var addName = new Argument<string>("tag") { Description = "The tag: a lowercase letter, then a-z, 0-9, '.', '_', '-'" };
        var addJson = ArtifactCommands.JsonOption();
        var add = new Command("add", "Point a tag at a version (moving it if it points elsewhere).") { addReference, addName, addJson };
        add.SetAction((result, cancellation) => run(result, async context =>
        {
            var artifact = ArtifactArgument.Parse(result.GetValue(addReference)!, "[namespace/]name@version", SpecRule.ExactVersion);
            var name = ValidTag(result.GetValue(addName)!);
            using var client = context.CreateClient(artifact.Namespace);
            var label = $"{artifact.NamespaceIn(context)}/{artifact.Name}";
            if (!await client.SetTagAsync(artifact.Name, name, artifact.Spec!, cancellation)) return context.Fail(ExitCodes.NotFound, $"{label}@{artifact.Spec} not found");
            if (result.GetValue(addJson)) return context.Json(new TagDocument(artifact.NamespaceIn(context), artifact.Name, name, artifact.Spec));
            context.Say($"{label}@{name} -> {artifact.Spec}");
            return ExitCodes.Success;
        }));

        var removeReference = new Argument<string>("artifact") { Description = "[namespace/]name" };
        var removeName = new Argument<string>("tag") { Description = "The tag" };
        var removeJson = ArtifactCommands.JsonOption();
        var remove = new Command("rm", "Remove a tag.") { removeReference, removeName, removeJson };
        remove.Aliases.Add("remove");
        remove.SetAction((result, cancellation) => run(result, async context =>
        {
            var artifact = ArtifactArgument.Parse(result.GetValue(removeReference)!, "[namespace/]name", SpecRule.None);
            var name = ValidTag(result.GetValue(removeName)!);
            using var client = context.CreateClient(artifact.Namespace);
            var label = $"{artifact.NamespaceIn(context)}/{artifact.Name}";
            if (!await client.DeleteTagAsync(artifact.Name, name, cancellation)) return context.Fail(ExitCodes.NotFound, $"{label} has no tag {name}");
            if (result.GetValue(removeJson)) return context.Json(new TagDocument(artifact.NamespaceIn(context), artifact.Name, name, null));
            context.Say($"removed tag {name} of {label}");
            return ExitCodes.Success;
        }));

        tag.Subcommands.Add(add);
        tag.Subcommands.Add(remove);
        return tag;
    }

    private static string ValidTag(string tag) =>
        Common.Artifacts.ArtifactVersions.IsValidTag(tag) ? tag : throw new UsageException($"'{tag}' is not a tag (a lowercase letter, then a-z, 0-9, '.', '_', '-'; at most 64)");
}
