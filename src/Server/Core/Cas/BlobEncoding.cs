namespace CacheRegistry.Server.Core.Cas;

/// <summary>How a blob's bytes are encoded in storage.</summary>
public enum BlobEncoding { Identity = 0, Zstd = 1 }
