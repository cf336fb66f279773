using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CacheRegistry.Server.Storage.FileSystem;

/// <summary>Which file a path or a handle is (its device and inode), and its length now.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Length)
{
    public bool IsSameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;
}

/// <summary>
/// Opening a file for reading with nothing else: .NET's own open also takes an advisory lock (flock,
/// and again to release it), checks the file twice with fstat and advises the kernel of the access
/// pattern. And what .NET does not offer: which file a path names now (statx), to tell whether a file
/// held open is still the one at its path.
/// </summary>
internal static unsafe partial class LinuxFiles
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC (64-bit processes open large files as they are)
    private const int NoSuchFile = 2, Interrupted = 4, NotADirectory = 20;
    private const int CurrentDirectory = -100; // AT_FDCWD (paths here are absolute)
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint InodeAndSize = 0x100 | 0x200; // STATX_INO | STATX_SIZE
    private const int StatxSize = 256, StatxMask = 0, StatxInode = 32, StatxBytes = 40, StatxDeviceMajor = 136, StatxDeviceMinor = 140;
    private const int OpenFilesResource = 7; // RLIMIT_NOFILE

    /// <summary>
    /// Whether these calls work for files under the directory: Linux, a 64-bit process (the structures'
    /// layout), and a statx that answers (a C library before 2.28, or a sandbox refusing the call, does not).
    /// </summary>
    public static bool WorkUnder(string directory)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return false;
        try
        {
            return TryStat(directory, out _);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or IOException)
        {
            return false;
        }
    }

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
            throw Failure("open", path, error);
        }
    }

    /// <summary>Which file the handle is, and its length now.</summary>
    /// <exception cref="IOException">The call failed.</exception>
    public static FileIdentity Stat(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[StatxSize];
        if (StatHandle(handle, "", EmptyPath, InodeAndSize, buffer) != 0) throw Failure("statx", "an open file", Marshal.GetLastPInvokeError());
        return Identity(buffer);
    }

    /// <summary>Which file is at the path now; false when there is none.</summary>
    /// <exception cref="IOException">The call failed otherwise.</exception>
    public static bool TryStat(string path, out FileIdentity identity)
    {
        var buffer = stackalloc byte[StatxSize];
        identity = default;
        if (StatPath(CurrentDirectory, path, 0, InodeAndSize, buffer) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is NoSuchFile or NotADirectory) return false;
            throw Failure("statx", path, error);
        }
        identity = Identity(buffer);
        return true;
    }

    /// <summary>How many files the process may hold open (RLIMIT_NOFILE's soft limit, which .NET raises to the hard one at start).</summary>
    public static long OpenFilesLimit()
    {
        var limits = stackalloc ulong[2]; // struct rlimit: current, maximum
        return GetRLimit(OpenFilesResource, limits) == 0 ? (long)Math.Min(limits[0], long.MaxValue) : 1024;
    }

    private static FileIdentity Identity(byte* statx)
    {
        if ((*(uint*)(statx + StatxMask) & InodeAndSize) != InodeAndSize) throw new IOException("statx did not report the file's inode and size");
        var device = ((ulong)*(uint*)(statx + StatxDeviceMajor) << 32) | *(uint*)(statx + StatxDeviceMinor);
        return new FileIdentity(device, *(ulong*)(statx + StatxInode), (long)*(ulong*)(statx + StatxBytes));
    }

    private static IOException Failure(string call, string what, int error) =>
        new($"{call} of {what} failed: {Marshal.GetPInvokeErrorMessage(error)}");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatHandle(SafeFileHandle directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatPath(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, ulong* limits);
}
