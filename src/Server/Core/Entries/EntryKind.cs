namespace CacheRegistry.Server.Core.Entries;

/// <summary>Which protocol an entry belongs to; each has its own key space.</summary>
public enum EntryKind { Action, Ccache, Turborepo, Nx, Gradle }
