using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Core.Namespaces;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Grpc.ActionResults;

/// <summary>
/// Honours GetActionResult's inline_stdout, inline_stderr and inline_output_files: the content goes into
/// the result while the total stays within <see cref="GrpcOptions.MaxInlinedBytes"/> (REAPI lets the
/// server skip inlining; the client then reads the blob). A blob that cannot be read makes the result a
/// miss (NOT_FOUND), so the client rebuilds instead of failing.
/// </summary>
public sealed class InlineOutputs(ContentStore cas, BlobReader reader, IOptions<GrpcOptions> options)
{
    public async Task ApplyAsync(NamespaceName ns, ActionResult result, GetActionResultRequest request, CancellationToken cancellationToken)
    {
        var budget = options.Value.MaxInlinedBytes;
        if (request.InlineStdout && result.StdoutDigest is { } stdout && result.StdoutRaw.IsEmpty && stdout.SizeBytes <= budget)
        {
            result.StdoutRaw = await ReadAsync(ns, stdout, cancellationToken);
            budget -= stdout.SizeBytes;
        }
        if (request.InlineStderr && result.StderrDigest is { } stderr && result.StderrRaw.IsEmpty && stderr.SizeBytes <= budget)
        {
            result.StderrRaw = await ReadAsync(ns, stderr, cancellationToken);
            budget -= stderr.SizeBytes;
        }
        var wanted = request.InlineOutputFiles.ToHashSet(StringComparer.Ordinal);
        foreach (var file in result.OutputFiles.Where(f => wanted.Contains(f.Path) && f.Contents.IsEmpty && f.Digest is not null))
        {
            if (file.Digest.SizeBytes > budget) continue;
            file.Contents = await ReadAsync(ns, file.Digest, cancellationToken);
            budget -= file.Digest.SizeBytes;
        }
    }

    private async Task<ByteString> ReadAsync(NamespaceName ns, Digest digest, CancellationToken cancellationToken)
    {
        var blob = ReapiBlob.From(digest, "an output digest");
        var stored = await cas.FindAsync(ns, blob.Digest, cancellationToken);
        var bytes = stored is null || stored.Size != blob.Size ? null : await CasMessageReader.ReadAllAsync(reader, stored, cancellationToken);
        if (bytes is null) throw DomainException.NotFound($"output {blob} of the action result is gone");
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }
}
