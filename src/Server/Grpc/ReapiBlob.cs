using Build.Bazel.Remote.Execution.V2;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Errors;

namespace CacheRegistry.Server.Grpc;

/// <summary>A validated REAPI digest: a SHA-256 hash and the size that is part of it.</summary>
public readonly record struct ReapiBlob(Sha256Digest Digest, long Size)
{
    /// <summary>Validates a client's digest; anything malformed is INVALID_ARGUMENT, naming the field.</summary>
    public static ReapiBlob From(Digest? digest, string field)
    {
        if (digest is null) throw DomainException.Invalid($"{field} is missing");
        if (!Sha256Digest.TryParse(digest.Hash, out var hash)) throw DomainException.Invalid($"{field}.hash '{Truncate(digest.Hash)}' is not a SHA-256 digest (64 lowercase hex characters)");
        if (digest.SizeBytes < 0) throw DomainException.Invalid($"{field}.size_bytes is negative");
        if (hash.IsEmpty && digest.SizeBytes != 0) throw DomainException.Invalid($"{field} names the empty blob with size {digest.SizeBytes}");
        return new ReapiBlob(hash, digest.SizeBytes);
    }

    /// <summary>The server speaks SHA-256 only; UNKNOWN means "inferred from the hash length", which is SHA-256 here.</summary>
    public static void RequireSha256(DigestFunction.Types.Value function)
    {
        if (function is not (DigestFunction.Types.Value.Unknown or DigestFunction.Types.Value.Sha256))
        {
            throw DomainException.Invalid($"digest function {function} is not supported: this server uses SHA256");
        }
    }

    public Digest ToProto() => new() { Hash = Digest.Hex, SizeBytes = Size };

    /// <summary>How REAPI names a blob in a PreconditionFailure violation (a resource name without the instance).</summary>
    public string Subject => $"blobs/{Digest.Hex}/{Size}";

    public override string ToString() => $"{Digest.Hex}/{Size}";

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
