using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Core.Cas;
using CacheRegistry.Server.Core.Namespaces;

namespace CacheRegistry.Server.Core.Entries;

/// <summary>Where an entry lives: namespace, protocol key space and the protocol's (validated) key.</summary>
public sealed record EntryAddress(NamespaceName Namespace, EntryKind Kind, string Key)
{
    public static EntryAddress Action(NamespaceName ns, Sha256Digest key) => new(ns, EntryKind.Action, key.Hex);

    /// <summary>The protocol's name in metrics, statistics and the entry API (ac, ccache, turborepo, nx, gradle).</summary>
    public string Protocol => ProtocolOf(Kind);

    public static string ProtocolOf(EntryKind kind) => kind == EntryKind.Action ? "ac" : kind.ToString().ToLowerInvariant();

    public static bool TryParseProtocol(string? protocol, out EntryKind kind)
    {
        foreach (var candidate in Enum.GetValues<EntryKind>())
        {
            if (ProtocolOf(candidate) == protocol)
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public override string ToString() => $"{Namespace}/{Protocol}/{Key}";
}

/// <summary>How a write treats an entry that exists already.</summary>
public enum EntryWriteMode
{
    /// <summary>The latest write wins.</summary>
    Overwrite,

    /// <summary>An existing entry is kept and the write is refused (Nx's rule against cache poisoning).</summary>
    CreateOnly,
}

/// <summary>An entry as a "which of these exist" query answers it: its value's digest and size, and its protocol metadata.</summary>
public sealed record PresentEntry(Sha256Digest ValueDigest, long Size, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A found entry: its value, the protocol metadata stored with it, and the other blobs it names (an action result's outputs).</summary>
public sealed record FoundEntry(StoredBlob Value, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<Sha256Digest> References);
