using CacheRegistry.Common.Hashing;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core;

/// <summary>Where an entry lives: namespace, protocol key space and the protocol's (validated) key.</summary>
public sealed record EntryAddress(NamespaceName Namespace, EntryKind Kind, string Key)
{
    public static EntryAddress Action(NamespaceName ns, Sha256Digest key) => new(ns, EntryKind.Action, key.Hex);
}

/// <summary>How a write treats an entry that exists already.</summary>
public enum EntryWriteMode
{
    /// <summary>The latest write wins.</summary>
    Overwrite,

    /// <summary>An existing entry is kept and the write is refused with 409 (Nx's rule against cache poisoning).</summary>
    CreateOnly,
}

/// <summary>A found entry: its value and the protocol metadata stored with it.</summary>
public sealed record FoundEntry(StoredBlob Value, IReadOnlyDictionary<string, string> Metadata);
