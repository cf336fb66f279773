using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>
/// Opening a file for reading with nothing else: .NET's own open also takes an advisory lock (flock,
/// and again to release it), checks the file twice with fstat and advises the kernel of the access
/// pattern. And what .NET does not offer: whether an open file still has a name.
/// </summary>
internal static unsafe partial class LinuxFiles
{
    public static bool IsSupported => OperatingSystem.IsLinux();

    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
    private const int NoSuchFile = 2, NotADirectory = 20, Interrupted = 4;
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint LinksAndSize = 0x4 | 0x200; // STATX_NLINK | STATX_SIZE
    private const int StatxSize = 256, StatxLinks = 16, StatxBytes = 40;
    private const int OpenFilesResource = 7; // RLIMIT_NOFILE

    /// <summary>The file opened for reading, or null when there is none at the path.</summary>
    /// <exception cref="IOException">The file exists but could not be opened.</exception>
    public static SafeFileHandle? OpenRead(string path)
    {
        while (true)
        {
            var handle = Open(path, ReadOnlyCloseOnExec);
            if (!handle.IsInvalid) return handle;
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            if (error == Interrupted) continue;
            if (error is NoSuchFile or NotADirectory) return null;
            throw new IOException($"cannot open {path} (errno {error})", error);
        }
    }

    /// <summary>The file's length and how many names it has: none once it was deleted, though it stays readable while open.</summary>
    /// <exception cref="IOException">The call failed.</exception>
    public static (long Length, uint Links) Stat(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[StatxSize];
        if (Statx(handle, "", EmptyPath, LinksAndSize, buffer) != 0)
        {
            throw new IOException($"statx failed (errno {Marshal.GetLastPInvokeError()})");
        }
        return ((long)*(ulong*)(buffer + StatxBytes), *(uint*)(buffer + StatxLinks));
    }

    /// <summary>How many files the process may hold open (RLIMIT_NOFILE's soft limit).</summary>
    public static long OpenFilesLimit()
    {
        var limits = stackalloc ulong[2]; // struct rlimit: current, maximum
        return GetRLimit(OpenFilesResource, limits) == 0 ? (long)Math.Min(limits[0], long.MaxValue) : 1024;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, ulong* limits);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, byte* buffer);
}
