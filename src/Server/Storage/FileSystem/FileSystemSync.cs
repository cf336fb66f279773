using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Forces everything written to one filesystem to disk (Linux's syncfs: one call however many files were written).</summary>
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

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(SafeFileHandle handle);
}
