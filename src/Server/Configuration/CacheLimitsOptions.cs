using System.ComponentModel;

namespace CacheRegistry.Server.Configuration;

/// <summary>"CacheRegistry:Limits": sizes and counts the server accepts, and its lookup cache.</summary>
public sealed class CacheLimitsOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Limits";

    [Description("Largest blob accepted (uncompressed); over it: 413.")]
    public ByteSize MaxBlobBytes { get; set; } = new(64L << 30);

    [Description("Largest action cache value accepted (uncompressed).")]
    public ByteSize MaxActionEntryBytes { get; set; } = ByteSize.FromMiB(64);

    [Description("Digests per find-missing request.")]
    public int MaxFindMissingDigests { get; set; } = 100_000;

    [Description("How long a positive lookup is served from memory (00:00:00 turns the lookup cache off).")]
    public TimeSpan LookupCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    [Description("How many lookups the lookup cache holds.")]
    public long LookupCacheEntries { get; set; } = 200_000;

    [Description("Grants and entries the embedded database's presence filter holds (10 bits each in memory), so that a miss costs no query; past it, misses query again until a restart. 0 turns the filter off. Not used with PostgreSQL.")]
    public long PresenceFilterItems { get; set; } = 4_000_000;

    [Description("Largest part of a resumable upload.")]
    public ByteSize MaxUploadPartBytes { get; set; } = ByteSize.FromMiB(256);

    [Description("/readyz reports not ready when the staging area's disk has less free space than this.")]
    public ByteSize MinFreeStagingBytes { get; set; } = ByteSize.FromMiB(256);

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(MaxBlobBytes), MaxBlobBytes, new ByteSize(1));
        check.AtLeast(nameof(MaxActionEntryBytes), MaxActionEntryBytes, new ByteSize(1));
        check.Range(nameof(MaxFindMissingDigests), MaxFindMissingDigests, 1, 1_000_000);
        check.NotNegative(nameof(LookupCacheTtl), LookupCacheTtl);
        check.AtLeast(nameof(LookupCacheEntries), LookupCacheEntries, 1);
        check.Range(nameof(PresenceFilterItems), PresenceFilterItems, 0, 1_000_000_000);
        check.AtLeast(nameof(MaxUploadPartBytes), MaxUploadPartBytes, new ByteSize(1));
        check.AtLeast(nameof(MinFreeStagingBytes), MinFreeStagingBytes, new ByteSize(0));
    }
}

/// <summary>"CacheRegistry:Compression".</summary>
public sealed class CompressionOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Compression";

    [Description("zstd level of blobs the server compresses (1 fastest … 19 smallest; negative levels are faster still).")]
    public int Level { get; set; } = 3;

    public void Check(SettingsCheck check) => check.Range(nameof(Level), Level, -7, 22);
}

/// <summary>"CacheRegistry:AccessTracking".</summary>
public sealed class AccessTrackingOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":AccessTracking";

    [Description("How often hit counts and last-access times (counted in memory) are written to the database.")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    public void Check(SettingsCheck check)
    {
        check.Positive(nameof(FlushInterval), FlushInterval);
        if (FlushInterval > TimeSpan.FromHours(1)) check.Fail(nameof(FlushInterval), $"is {FlushInterval}; it must be at most 01:00:00");
    }
}
