using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CacheRegistry.Common.Api;
using CacheRegistry.Common.Hashing;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache delete` and `cache gc`: operators removing content by hand and collecting garbage now.</summary>
public static class OperatorCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEnumerable<Command> Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var delete = new Command("delete", "Delete a blob, an entry or a whole namespace (recorded in the audit log).");
        var digest = new Argument<string>("sha256");
        var blob = new Command("blob", "Remove a blob from the namespace (--namespace), with every entry that uses it.") { digest };
        blob.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digest), out var parsed, out var usage)) return usage;
            using var client = context.CreateClient();
            return await client.DeleteBlobAsync(parsed, token) ? Done(context, $"deleted blob {parsed}") : context.Fail(ExitCodes.NotFound, $"blob {parsed} not found");
        }));
        var protocol = new Argument<string>("protocol") { Description = "ac, ccache, turborepo, nx or gradle" };
        var key = new Argument<string>("key");
        var entry = new Command("entry", "Remove one cache entry from the namespace.") { protocol, key };
        entry.SetAction((result, token) => run(result, async context =>
        {
            using var client = context.CreateClient();
            var (p, k) = (result.GetValue(protocol)!, result.GetValue(key)!);
            return await client.DeleteEntryAsync(p, k, token) ? Done(context, $"deleted {p} entry {k}") : context.Fail(ExitCodes.NotFound, $"no {p} entry {k}");
        }));
        var name = new Argument<string>("namespace");
        var ns = new Command("namespace", "Remove everything in a namespace (needs *:admin).") { name };
        ns.SetAction((result, token) => run(result, async context =>
        {
            using var client = context.CreateClient();
            await client.DeleteNamespaceAsync(result.GetValue(name)!, token);
            return Done(context, $"deleted namespace {result.GetValue(name)}");
        }));
        delete.Subcommands.Add(blob);
        delete.Subcommands.Add(entry);
        delete.Subcommands.Add(ns);
        yield return delete;

        var gc = new Command("gc", "Run a garbage collection pass now and print its report (needs *:admin).");
        gc.SetAction((result, token) => run(result, async context =>
        {
            using var client = context.CreateClient();
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(await client.RunGcAsync(token), Json));
            return ExitCodes.Success;
        }));
        yield return gc;
    }

    /// <summary>`cache inspect stats [--namespace N] [--json]`.</summary>
    public static async Task<int> InspectStatsAsync(CliContext context, bool json, CancellationToken token)
    {
        using var client = context.CreateClient(null);
        var stats = await client.GetStorageStatsAsync(context.ClientOptions.Namespace, cancellationToken: token);
        if (json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(stats, Json));
            return ExitCodes.Success;
        }
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
