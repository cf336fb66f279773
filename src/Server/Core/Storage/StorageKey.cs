using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Cas;

namespace CacheRegistry.Server.Core.Storage;

/// <summary>
/// The name of a stored object, built only from validated parts, so no request text ever reaches a
/// path or an object key. A blob's key is its digest, a write id unique to the upload that stored
/// it, and its encoding (<c>cas/ab/&lt;digest&gt;.&lt;write id&gt;[.zst]</c>): an object is never
/// overwritten, so whoever holds a key either reads exactly the bytes it describes or finds nothing.
/// Keys read back from a listing or the database pass the same validation.
/// </summary>
public readonly record struct StorageKey
{
    /// <summary>Where every blob's object is (what the orphan sweep lists).</summary>
    public const string BlobPrefix = "cas/";

    private const int WriteIdLength = 16;
    private const string ZstdSuffix = ".zst";

    /// <summary>The object that names the storage, so a database can tell it is pointed at the storage it describes.</summary>
    public static readonly StorageKey Marker = new("meta/storage-id");

    public string Value { get; }

    /// <summary>Whether the key names a blob's object, which never changes (an upload part may be written again).</summary>
    public bool IsBlob => Value.StartsWith(BlobPrefix, StringComparison.Ordinal);

    private StorageKey(string value) => Value = value;

    /// <summary>A fresh key for a new object of the blob.</summary>
    public static StorageKey ForNewBlob(Sha256Digest digest, BlobEncoding encoding) =>
        new($"cas/{digest.Hex[..2]}/{digest.Hex}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(WriteIdLength / 2))}{(encoding == BlobEncoding.Zstd ? ZstdSuffix : "")}");

    /// <summary>A part of a resumable upload; the session id is server-generated hex, the number bounded.</summary>
    public static StorageKey ForUploadPart(string sessionId, int number)
    {
        if (!IsSessionId(sessionId) || number is < 1 or > 99_999) throw new ArgumentException("invalid upload part");
        return new StorageKey($"uploads/{sessionId}/{number:D5}");
    }

    /// <summary>
    /// Reads a blob key back (from a listing or the database); false for anything this server would
    /// not have written. Keys without a write id come from servers before write ids and stay valid.
    /// </summary>
    public static bool TryParseBlob(string? text, out StorageKey key, out Sha256Digest digest, out BlobEncoding encoding)
    {
        key = default;
        digest = default;
        encoding = BlobEncoding.Identity;
        if (text is null || !text.StartsWith(BlobPrefix, StringComparison.Ordinal) || text.Length < 7 + Sha256Digest.HexLength || text[6] != '/') return false;
        var name = text[7..];
        if (name.EndsWith(ZstdSuffix, StringComparison.Ordinal))
        {
            encoding = BlobEncoding.Zstd;
            name = name[..^ZstdSuffix.Length];
        }
        if (name.Length == Sha256Digest.HexLength + 1 + WriteIdLength)
        {
            if (name[Sha256Digest.HexLength] != '.' || !name[(Sha256Digest.HexLength + 1)..].All(char.IsAsciiHexDigitLower)) return false;
            name = name[..Sha256Digest.HexLength];
        }
        if (!Sha256Digest.TryParse(name, out digest) || text[4..6] != digest.Hex[..2]) return false;
        key = new StorageKey(text);
        return true;
    }

    /// <summary>A blob key as the database recorded it; a malformed one means the metadata is corrupt.</summary>
    public static StorageKey ParseBlob(string text) =>
        TryParseBlob(text, out var key, out _, out _) ? key : throw new FormatException($"'{text}' is not a blob storage key");

    /// <summary>Reads an upload-part key back from a listing.</summary>
    public static bool TryParseUploadPart(string text, out StorageKey key, [NotNullWhen(true)] out string? sessionId)
    {
        key = default;
        sessionId = null;
        var parts = text.Split('/');
        if (parts.Length != 3 || parts[0] != "uploads" || !IsSessionId(parts[1]) || parts[2].Length != 5 || !parts[2].All(char.IsAsciiDigit)) return false;
        sessionId = parts[1];
        key = new StorageKey(text);
        return true;
    }

    public static bool IsSessionId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public override string ToString() => Value;
}
