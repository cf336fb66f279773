using System.CommandLine;
using CacheRegistry.Cli.Output;
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
        var json = ArtifactCommands.JsonOption();
        var command = new Command("put", "Upload files the server does not have yet; prints '<sha256> <size> <file>' per file.") { files, json };
        command.SetAction((result, token) => run(result, async context =>
        {
            var given = result.GetValue(files)!;
            var paths = given.Select(context.FullPath).ToList();
            if (given.FirstOrDefault(p => Directory.Exists(context.FullPath(p))) is { } directory) return context.Fail(ExitCodes.Error, $"{directory} is a directory; give files (cache push publishes directories)");
            if (given.FirstOrDefault(p => !File.Exists(context.FullPath(p))) is { } absent) return context.Fail(ExitCodes.Error, $"{absent}: no such file");
            using var client = context.CreateClient();
            IReadOnlyList<Client.UploadedFile> uploaded;
            using (var progress = context.Transfers.Begin("uploading", paths.Sum(p => new FileInfo(p).Length)))
            {
                uploaded = await client.UploadFilesAsync(paths, progress, token);
            }
            // Files as they were given (the client got them made absolute, in the same order).
            var named = uploaded.Select((f, i) => (Given: given[i], File: f)).ToList();
            if (result.GetValue(json)) return context.Json(new BlobPutDocument(named.Select(n => new BlobFileDocument(n.Given, n.File.Digest.Hex, n.File.Size, n.File.Uploaded)).ToList()));
            foreach (var (name, file) in named) context.Say($"{file.Digest} {file.Size} {name}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Get(Func<ParseResult, Func<CliContext, Task<int>>, Task<int>> run)
    {
        var digestArgument = new Argument<string>("sha256") { Description = "Digest of the blob" };
        var outputOption = new Option<string>("--output", "-o") { Description = "File to write", Required = true };
        var json = ArtifactCommands.JsonOption();
        var command = new Command("get", "Download a blob, verify it and write it atomically.") { digestArgument, outputOption, json };
        command.SetAction((result, token) => run(result, async context =>
        {
            if (!context.TryParseDigest(result.GetValue(digestArgument), out var digest, out var usage)) return usage;
            var path = context.FullPath(result.GetValue(outputOption)!);
            if (Directory.Exists(path)) return context.Fail(ExitCodes.Usage, $"-o {result.GetValue(outputOption)} is a directory; give the file to write");
            using var client = context.CreateClient();
            var size = await client.GetBlobSizeAsync(digest, token);
            if (size is null) return context.Fail(ExitCodes.NotFound, $"blob {digest} not found in namespace {context.DefaultNamespace}");
            bool found;
            using (var progress = context.Transfers.Begin($"downloading {digest.Hex[..12]}", size.Value))
            {
                found = await client.DownloadBlobAsync(digest, path, progress, token);
            }
            if (!found) return context.Fail(ExitCodes.NotFound, $"blob {digest} not found in namespace {context.DefaultNamespace}");
            if (result.GetValue(json)) return context.Json(new BlobGetDocument(digest.Hex, path, new FileInfo(path).Length));
            return ExitCodes.Success;
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
            if (!File.Exists(context.FullPath(path))) return context.Fail(ExitCodes.NotFound, $"{path}: no such file");
            var (actual, _) = await Sha256Digest.OfFileAsync(context.FullPath(path), token);
            if (actual != expected) return context.Fail(ExitCodes.Error, $"{path}: digest is {actual}, expected {expected}");
            context.Say($"{path}: OK");
            return ExitCodes.Success;
        }));
        return command;
    }
}
