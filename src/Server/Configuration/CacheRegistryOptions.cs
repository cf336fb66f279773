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

    [Description("How often what the server wrote to local disks (the SQLite database, filesystem blobs) is forced to disk. A crash of the server loses no acknowledged write either way; a power loss can take at most this much. 0 leaves it to the operating system (Linux: about 30 s).")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Description("Threads that receive cache reads (GET and HEAD) and run them, as nginx's workers do, instead of handing each to the thread pool: a fifth less CPU per read. Everything else, and every call that can block, moves to the thread pool. Default: 4 per core on the embedded default (SQLite and filesystem), 0 otherwise (every socket completion of the process would continue on them: Npgsql's, the S3 client's). 0: .NET's default, every request on the thread pool. At most 1024.")]
    public int? SocketThreads { get; set; }

    public void Check(SettingsCheck check)
    {
        check.Required(nameof(DataDirectory), DataDirectory, "to a directory");
        check.NotNegative(nameof(FlushInterval), FlushInterval);
        if (SocketThreads is { } threads) check.Range(nameof(SocketThreads), threads, 0, 1024);
    }
}
