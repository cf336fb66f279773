using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Forces what was written to disk: a whole filesystem (Linux's syncfs: one call however many files were written), or one file.</summary>
internal static partial class FileSystemSync
{
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <exception cref="IOException">The directory could not be opened or its filesystem not synced.</exception>
    public static void Sync(string directory)
    {
        // Opened for reading: enough to name the filesystem.
        using var handle = LinuxFiles.OpenRead(directory) ?? throw new IOException($"cannot open {directory} to sync it: it does not exist");
        if (SyncFs(handle) != 0) throw new IOException($"syncfs of {directory} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>Forces one file, or a directory's entries (files created, renamed or deleted in it), to disk: fsync.</summary>
    /// <exception cref="IOException">The file could not be opened or synced.</exception>
    public static void SyncOne(string path)
    {
        using var handle = LinuxFiles.OpenRead(path) ?? throw new IOException($"cannot open {path} to sync it: it does not exist");
        if (FSync(handle) != 0) throw new IOException($"fsync of {path} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle handle);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(SafeFileHandle handle);
}
