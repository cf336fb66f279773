using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CacheRegistry.Common.Api;
using Spectre.Console;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache inspect &lt;sha256&gt; [--json]`: what the server records about one blob.</summary>
public static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var digestArgument = new Argument<string>("sha256") { Description = "Digest of the blob" };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("inspect", "Show a blob's sizes, encoding, timestamps, hits and namespaces.") { digestArgument, jsonOption };
        command.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digestArgument), out var digest, out var usage)) return usage;
            using var client = context.CreateClient();
            var info = await client.GetBlobInfoAsync(digest, token);
            if (info is null) return context.Fail(ExitCodes.NotFound, $"blob {digest} not found");
            if (result.GetValue(jsonOption)) await context.Output.WriteLineAsync(JsonSerializer.Serialize(info, Json));
            else WriteTable(context.Output, info);
            return ExitCodes.Success;
        }));
        return command;
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
