using System.CommandLine;
using System.Globalization;
using CacheRegistry.Common.Api;
using CacheRegistry.Cli.Output;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache delete` and `cache gc`: operators removing content by hand and collecting garbage now.</summary>
public static class OperatorCommands
{
    private static readonly string[] Protocols = ["ac", "ccache", "turborepo", "nx", "gradle"];

    public static IEnumerable<Command> Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var delete = new Command("delete", "Delete a blob, an entry, an artifact version or a whole namespace (recorded in the audit log).");
        delete.Subcommands.Add(DeleteBlob(run));
        delete.Subcommands.Add(DeleteEntry(run));
        delete.Subcommands.Add(DeleteVersion(run));
        delete.Subcommands.Add(DeleteNamespace(run));
        yield return delete;

        var gc = new Command("gc", "Run a garbage collection pass now and print its report as JSON (needs *:admin).");
        gc.SetAction((result, token) => run(result, async context =>
        {
            using var client = context.CreateOperatorClient();
            return context.Json(await client.RunGcAsync(token));
        }));
        yield return gc;
    }

    private static Command DeleteBlob(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var digest = new Argument<string>("sha256");
        var blob = new Command("blob", "Remove a blob from the namespace (--namespace), with every entry that uses it.") { digest };
        blob.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digest), out var parsed, out var usage)) return usage;
            using var client = context.CreateClient();
            return await client.DeleteBlobAsync(parsed, token) ? Done(context, $"deleted blob {parsed}") : context.Fail(ExitCodes.NotFound, $"blob {parsed} not found in namespace {context.DefaultNamespace}");
        }));
        return blob;
    }

    private static Command DeleteEntry(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var protocol = new Argument<string>("protocol") { Description = string.Join(", ", Protocols) };
        var key = new Argument<string>("key");
        var entry = new Command("entry", "Remove one cache entry from the namespace.") { protocol, key };
        entry.SetAction((result, token) => run(result, async context =>
        {
            var (p, k) = (result.GetValue(protocol)!, result.GetValue(key)!);
            if (!Protocols.Contains(p))
            {
                var suggestion = Parsing.Suggestions.Closest(p, Protocols);
                throw new UsageException($"'{p}' is not a protocol: {string.Join(", ", Protocols)}{(suggestion is null ? "" : $" (did you mean {suggestion}?)")}");
            }
            using var client = context.CreateClient();
            return await client.DeleteEntryAsync(p, k, token) ? Done(context, $"deleted {p} entry {k}") : context.Fail(ExitCodes.NotFound, $"no {p} entry {k} in namespace {context.DefaultNamespace}");
        }));
        return entry;
    }

    private static Command DeleteVersion(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var reference = new Argument<string>("artifact") { Description = "[namespace/]name@version" };
        var yes = YesOption();
        var json = ArtifactCommands.JsonOption();
        var version = new Command("version", "Delete an artifact version for good (needs the delete permission; locks that name it stop working; consider cache yank).")
        {
            reference, yes, json,
        };
        version.SetAction((result, token) => run(result, async context =>
        {
            var artifact = ArtifactArgument.Parse(result.GetValue(reference)!, "[namespace/]name@version", SpecRule.ExactVersion);
            var label = $"{artifact.NamespaceIn(context)}/{artifact.Name}@{artifact.Spec}";
            if (context.Confirm(result.GetValue(yes), $"Delete {label} for good?", label) is { } refused) return refused;
            using var client = context.CreateClient(artifact.Namespace);
            if (!await client.DeleteVersionAsync(artifact.Name, artifact.Spec!, token)) return context.Fail(ExitCodes.NotFound, $"{label} not found");
            if (result.GetValue(json)) return context.Json(new DeletedVersionDocument(artifact.NamespaceIn(context), artifact.Name, artifact.Spec!, true));
            return Done(context, $"deleted {label}");
        }));
        return version;
    }

    private static Command DeleteNamespace(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var name = new Argument<string>("namespace");
        var yes = YesOption();
        var ns = new Command("namespace", "Remove everything in a namespace: entries, blobs only it used, artifacts (needs *:admin).") { name, yes };
        ns.SetAction((result, token) => run(result, async context =>
        {
            var target = result.GetValue(name)!;
            if (!Common.Artifacts.ArtifactReference.IsValidNamespace(target)) throw new UsageException($"'{target}' is not a namespace: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            if (context.Confirm(result.GetValue(yes), $"Delete namespace {target} and everything in it?", target) is { } refused) return refused;
            using var client = context.CreateOperatorClient();
            return await client.DeleteNamespaceAsync(target, token)
                ? Done(context, $"deleted namespace {target}")
                : context.Fail(ExitCodes.NotFound, $"namespace {target} not found (it holds nothing)");
        }));
        return ns;
    }

    private static Option<bool> YesOption() => new("--yes", "-y") { Description = "Do not ask for confirmation (for scripts)" };

    /// <summary>`cache inspect stats [--namespace N] [--json]`.</summary>
    public static async Task<int> InspectStatsAsync(CliContext context, bool json, CancellationToken token)
    {
        using var client = context.CreateOperatorClient();
        var stats = await client.GetStorageStatsAsync(context.ClientOptions.Namespace, cancellationToken: token);
        if (json) return context.Json(stats);
        var console = PlainConsole.For(context.Output);
        var namespaces = new Table().Title("storage").Border(TableBorder.Rounded);
        foreach (var column in new[] { "namespace", "blobs", "entries", "size", "stored" }) namespaces.AddColumn(column);
        foreach (var n in stats.Namespaces) namespaces.AddRow(Markup.Escape(n.Namespace), Number(n.Blobs), Number(n.Entries), Number(n.Bytes), Number(n.StoredBytes));
        console.Write(namespaces);
        var rates = new Table().Title("lookups since start").Border(TableBorder.Rounded);
        foreach (var column in new[] { "protocol", "namespace", "hits", "misses", "hit rate", "writes" }) rates.AddColumn(column);
        foreach (var r in stats.Protocols) rates.AddRow(r.Protocol, Markup.Escape(r.Namespace), Number(r.Hits), Number(r.Misses), r.HitRate.ToString("P0", CultureInfo.InvariantCulture), Number(r.Writes));
        console.Write(rates);
        foreach (var (title, rows) in new[] { ("largest", stats.LargestBlobs), ("most hit", stats.MostHitBlobs), ("least recently used", stats.LeastRecentlyUsedBlobs) })
        {
            var table = new Table().Title(title).Border(TableBorder.Rounded);
            foreach (var column in new[] { "namespace", "digest", "size", "hits", "last access" }) table.AddColumn(column);
            foreach (var b in rows) table.AddRow(Markup.Escape(b.Namespace), b.Digest, Number(b.Size), Number(b.Hits), b.LastAccessAt.ToString("u", CultureInfo.InvariantCulture));
            console.Write(table);
        }
        return ExitCodes.Success;
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static int Done(CliContext context, string message)
    {
        context.Output.WriteLine(message);
        return ExitCodes.Success;
    }
}
