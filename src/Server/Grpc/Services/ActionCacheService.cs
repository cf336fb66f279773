using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Server.Auth;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Server.Core.Errors;
using CacheRegistry.Server.Grpc.Access;
using CacheRegistry.Server.Grpc.ActionResults;
using CacheRegistry.Server.Grpc.Errors;
using CacheRegistry.Server.Http;
using Google.Protobuf;
using Grpc.Core;

namespace CacheRegistry.Server.Grpc.Services;

/// <summary>
/// REAPI's action cache over the same entries as Bazel's HTTP <c>/ac/</c>: the key is the action
/// digest's hash, the value the ActionResult, its references every blob the result needs
/// (<see cref="ActionResultBlobs"/>).
/// </summary>
public sealed class ActionCacheService(EntryStore entries, ActionResultBlobs blobs, InlineOutputs inline, CasMessageReader messages)
    : ActionCache.ActionCacheBase
{
    /// <summary>NOT_FOUND unless the result and every blob it names are there (a value that is not an ActionResult, e.g. a cache exec manifest, is not one).</summary>
    [ReapiAccess(CachePermission.Read)]
    public override async Task<ActionResult> GetActionResult(GetActionResultRequest request, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        var key = ReapiBlob.From(request.ActionDigest, "action_digest");
        var ns = context.Namespace();
        var entry = await entries.FindAsync(EntryAddress.Action(ns, key.Digest), context.CancellationToken);
        var result = entry is null ? null : await ReadResultAsync(entry.Value, context.CancellationToken);
        if (result is null) throw DomainException.NotFound($"no action result for {key}");
        await inline.ApplyAsync(ns, result, request, context.CancellationToken);
        return result;
    }

    /// <summary>Stores the result; FAILED_PRECONDITION naming every blob it needs that the namespace lacks.</summary>
    [ReapiAccess(CachePermission.Write)]
    public override async Task<ActionResult> UpdateActionResult(UpdateActionResultRequest request, ServerCallContext context)
    {
        ReapiBlob.RequireSha256(request.DigestFunction);
        var key = ReapiBlob.From(request.ActionDigest, "action_digest");
        var result = request.ActionResult ?? throw DomainException.Invalid("action_result is missing");
        var ns = context.Namespace();
        var required = await blobs.RequiredAsync(ns, result, context.CancellationToken);
        ReapiCallLog.SetAuditTarget(context, $"ac/{key.Digest}");
        try
        {
            await entries.PutAsync(EntryAddress.Action(ns, key.Digest), new MemoryStream(result.ToByteArray(), writable: false), UploadEncoding.Identity,
                metadata: null, EntryWriteMode.Overwrite, context.CancellationToken, required.Select(b => b.Digest).ToList());
        }
        catch (MissingBlobsException e)
        {
            var sizes = required.ToDictionary(b => b.Digest.Hex, b => b.Subject);
            throw new MissingReapiBlobsException(e.Missing.Select(hex => sizes.GetValueOrDefault(hex, $"blobs/{hex}")).ToList(), e);
        }
        return result;
    }

    // Null when the value is not an ActionResult or storage has lost it: a miss either way.
    private async Task<ActionResult?> ReadResultAsync(StoredBlob value, CancellationToken cancellationToken)
    {
        try
        {
            return await messages.ReadStoredAsync(value, ActionResult.Parser, "the action result", cancellationToken);
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.InvalidArgument)
        {
            return null;
        }
    }
}
