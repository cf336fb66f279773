namespace CacheRegistry.Client;

/// <summary>
/// Watches long transfers (a push's uploads, a pull's downloads, a build step's outputs) so a user can
/// be shown progress. The library calls <see cref="Begin"/> once per transfer with its size, reports
/// bytes to the returned progress as they move, and disposes it when the transfer ends, however it ends.
/// </summary>
public interface ITransferMonitor
{
    /// <summary>A transfer of <paramref name="totalBytes"/> starts; <paramref name="description"/> says what it is ("pulling acme/tool@1.2.3").</summary>
    ITransferProgress Begin(string description, long totalBytes);
}

/// <summary>One transfer's progress: bytes done as they move; disposed when it ends.</summary>
public interface ITransferProgress : IProgress<long>, IDisposable;
