using System.Text;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// Makes sure the database and the blob storage belong together. The first start writes a random id
/// into a marker object in the storage and into the database; later starts compare them. A server
/// pointed at other storage with the same database (or the reverse) refuses to start: its garbage
/// collection would otherwise forget every blob it cannot see, or delete every object it does not know.
/// </summary>
public sealed class StorageBindingCheck(StorageBindingCatalog bindings, IBlobStore store, StagingArea staging, TimeProvider clock, ILogger<StorageBindingCheck> logger)
{
    private const int Attempts = 5;

    public async Task VerifyAsync(CancellationToken cancellationToken)
    {
        // Replicas starting together on fresh storage may see each other's half-written binding: look again before refusing.
        for (var attempt = 1; ; attempt++)
        {
            var problem = await TryBindAsync(cancellationToken);
            if (problem is null) return;
            if (attempt == Attempts) throw new StartupException(problem);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <returns>Null when database and storage agree; otherwise what is wrong.</returns>
    private async Task<string?> TryBindAsync(CancellationToken cancellationToken)
    {
        var binding = await bindings.GetAsync(cancellationToken);
        var marker = await ReadMarkerAsync(cancellationToken);
        if (binding is null)
        {
            if (marker is not null)
            {
                return $"the configured storage ({store.Description}) already belongs to another CacheRegistry database (storage id {marker}); " +
                    $"point this server at that database, or use empty storage (to reuse this storage anyway, delete its object {StorageKey.Marker.Value})";
            }
            var created = await bindings.BindAsync(new StorageBindingRecord(Guid.NewGuid().ToString("N"), store.Description), clock.GetUtcNow(), cancellationToken);
            await WriteMarkerAsync(created.StorageId, cancellationToken);
            logger.LogInformation("Bound the database to {Storage} (storage id {Id})", store.Description, created.StorageId);
            return null;
        }
        if (marker == binding.StorageId) return null;
        return marker is null
            ? $"the database describes the storage {binding.Description} (storage id {binding.StorageId}), but the configured storage ({store.Description}) has no CacheRegistry marker; point this server at the storage its database describes"
            : $"the database describes the storage {binding.Description} (storage id {binding.StorageId}), but the configured storage ({store.Description}) is storage {marker}; point this server at the storage its database describes";
    }

    private async Task<string?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        await using var opened = await store.OpenReadAsync(StorageKey.Marker, cancellationToken);
        if (opened is null) return null;
        using var reader = new StreamReader(opened.Content, Encoding.UTF8);
        return (await reader.ReadToEndAsync(cancellationToken)).Trim();
    }

    private async Task WriteMarkerAsync(string id, CancellationToken cancellationToken)
    {
        await using var staged = staging.Create();
        await staged.Stream.WriteAsync(Encoding.UTF8.GetBytes(id + "\n"), cancellationToken);
        await staged.CompleteAsync();
        await store.PutAsync(StorageKey.Marker, staged, cancellationToken);
    }
}
