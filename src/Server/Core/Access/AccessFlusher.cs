using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core.Access;

/// <summary>Writes what <see cref="AccessTracker"/> recorded; what cannot be written now is kept for the next flush.</summary>
public sealed class AccessFlusher(AccessTracker tracker, BlobCatalog blobs, EntryCatalog entries, ILogger<AccessFlusher> logger)
{
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var snapshot = tracker.TakeSnapshot();
            if (snapshot.IsEmpty) return;
            try
            {
                await blobs.RecordAccessAsync(snapshot.Blobs, cancellationToken);
                await entries.RecordAccessAsync(snapshot.Entries, cancellationToken);
                tracker.Written();
            }
            catch
            {
                tracker.Restore(snapshot);
                throw;
            }
            logger.LogDebug("Recorded access to {Blobs} blobs and {Entries} entries", snapshot.Blobs.Count, snapshot.Entries.Count);
        }
        finally
        {
            _flushing.Release();
        }
    }
}
