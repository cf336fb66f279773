using System.ComponentModel;

namespace CacheRegistry.Server.Configuration;

/// <summary>Top-level settings, bound from the "CacheRegistry" configuration section.</summary>
public sealed class CacheRegistryOptions : IValidatedOptions
{
    public const string Section = "CacheRegistry";

    [Description("Where the embedded default keeps its files (SQLite database, blobs, staging); relative to the working directory. One server per data directory.")]
    public string DataDirectory { get; set; } = "data";

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);

    [Description("Where uploads are written before they are verified; on the same filesystem as filesystem blobs. Default: staging in the data directory.")]
    public string? StagingDirectory { get; set; }

    public string StagingDirectoryFullPath => Path.GetFullPath(string.IsNullOrEmpty(StagingDirectory) ? Path.Combine(DataDirectory, "staging") : StagingDirectory);

    public void Check(SettingsCheck check) => check.Required(nameof(DataDirectory), DataDirectory, "to a directory");
}
