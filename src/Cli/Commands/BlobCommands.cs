using System.CommandLine;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Cli.Commands;

/// <summary>`cache blob put|get|verify`.</summary>
public static class BlobCommands
{
    public static Command Create(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var blob = new Command("blob", "Content-addressed blobs.");
        blob.Subcommands.Add(Put(run));
        blob.Subcommands.Add(Get(run));
        blob.Subcommands.Add(Verify(run));
        return blob;
    }

    private static Command Put(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var files = new Argument<string[]>("files") { Description = "Files to upload", Arity = ArgumentArity.OneOrMore };
        var command = new Command("put", "Upload files the server does not have yet; prints '<sha256> <size> <file>' per file.") { files };
        command.SetAction((result, token) => run(result, async context =>
        {
            var paths = result.GetValue(files)!;
            if (paths.FirstOrDefault(p => !File.Exists(p)) is { } absent) return context.Fail(ExitCodes.Error, $"{absent}: no such file");
            using var client = context.CreateClient();
            foreach (var file in await client.UploadFilesAsync(paths, cancellationToken: token))
            {
                await context.Output.WriteLineAsync($"{file.Digest} {file.Size} {file.Path}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Get(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var digestArgument = new Argument<string>("sha256") { Description = "Digest of the blob" };
        var outputOption = new Option<string>("--output", "-o") { Description = "File to write", Required = true };
        var command = new Command("get", "Download a blob, verify it and write it atomically.") { digestArgument, outputOption };
        command.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digestArgument), out var digest, out var usage)) return usage;
            using var client = context.CreateClient();
            var found = await client.DownloadBlobAsync(digest, result.GetValue(outputOption)!, token);
            return found ? ExitCodes.Success : context.Fail(ExitCodes.NotFound, $"blob {digest} not found");
        }));
        return command;
    }

    private static Command Verify(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var fileArgument = new Argument<string>("file") { Description = "File to check" };
        var digestArgument = new Argument<string>("sha256") { Description = "Expected digest" };
        var command = new Command("verify", "Check that a local file has the given digest (no server needed).") { fileArgument, digestArgument };
        command.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digestArgument), out var expected, out var usage)) return usage;
            var path = result.GetValue(fileArgument)!;
            if (!File.Exists(path)) return context.Fail(ExitCodes.NotFound, $"{path}: no such file");
            var (actual, _) = await Sha256Digest.OfFileAsync(path, token);
            if (actual != expected) return context.Fail(ExitCodes.Error, $"{path}: digest is {actual}, expected {expected}");
            await context.Output.WriteLineAsync($"{path}: OK");
            return ExitCodes.Success;
        }));
        return command;
    }
}
