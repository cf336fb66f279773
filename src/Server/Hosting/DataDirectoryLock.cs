using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// An OS lock on the data directory (and on the staging directory when it lies elsewhere), held while
/// the server runs and released by the kernel when the process dies, however it dies. A second server
/// on the same directory refuses to start instead of deleting the first one's staged uploads; a lock
/// the first server left in its database while migrating is known to be stale.
/// </summary>
public sealed class DataDirectoryLock(IOptions<CacheRegistryOptions> options) : IDisposable
{
    private const string FileName = "cacheregistry.lock";
    private readonly List<FileStream> _held = [];

    public void Acquire()
    {
        var registry = options.Value;
        Take(registry.DataDirectoryFullPath);
        var staging = registry.StagingDirectoryFullPath;
        if (!IsInside(staging, registry.DataDirectoryFullPath)) Take(staging);
    }

    private void Take(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) that dies with the process.
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            file.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n"));
            file.Flush();
            _held.Add(file);
        }
        catch (IOException)
        {
            throw new StartupException($"another CacheRegistry server is using {directory} (it holds {path}); stop it, or give this server its own CacheRegistry:DataDirectory");
        }
    }

    private static bool IsInside(string path, string directory) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public void Dispose()
    {
        foreach (var file in _held) file.Dispose();
        _held.Clear();
    }
}
