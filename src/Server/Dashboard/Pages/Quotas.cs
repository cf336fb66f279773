using CacheRegistry.Server.Configuration;

namespace CacheRegistry.Server.Dashboard.Pages;

/// <summary>A namespace's bounds as garbage collection applies them (0 bytes: no quota).</summary>
public sealed record NamespaceBounds(long MaxBytes, TimeSpan? MaxAge)
{
    public static NamespaceBounds Of(GcOptions gc, string ns) =>
        gc.Namespaces.GetValueOrDefault(ns) is { } quota ? new NamespaceBounds((long)quota.MaxBytes, quota.MaxAge) : new NamespaceBounds(0, null);

    /// <summary>The bound on all namespaces together (0: none).</summary>
    public static long Global(GcOptions gc) => (long)gc.GlobalMaxBytes;
}
