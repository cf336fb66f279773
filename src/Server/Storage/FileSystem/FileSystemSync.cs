using System.Runtime.InteropServices;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Forces everything written to one filesystem to disk (Linux's syncfs: one call however many files were written).</summary>
internal static partial class FileSystemSync
{
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <exception cref="IOException">The directory could not be opened or its filesystem not synced.</exception>
    public static void Sync(string directory)
    {
        var fd = Open(directory, 0 /* O_RDONLY: enough to name the filesystem */);
        if (fd < 0) throw new IOException($"cannot open {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (SyncFs(fd) != 0) throw new IOException($"syncfs of {directory} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
