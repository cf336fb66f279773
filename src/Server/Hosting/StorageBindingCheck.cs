using System.Text;
using CacheRegistry.Server.Core.Storage;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Hosting;

/// <summary>
/// Makes sure the database and the blob storage belong together. The first start claims the storage
/// with a marker object holding a random id, then records that id in the database and seals the
/// marker; later starts compare them. A server pointed at other storage with the same database (or the
/// reverse) refuses to start: its garbage collection would otherwise forget every blob it cannot see,
/// or delete every object it does not know. A first start killed half way leaves an unsealed claim (or,
/// on a store whose writes are not atomic, an empty marker), which the next start completes.
/// </summary>
public sealed class StorageBindingCheck(StorageBindingCatalog bindings, IBlobStore store, StagingArea staging, TimeProvider clock, ILogger<StorageBindingCheck> logger)
{
    private const string Claim = "claim:";

    public async Task VerifyAsync(CancellationToken cancellationToken)
    {
        var binding = await bindings.GetAsync(cancellationToken);
        var marker = await ReadMarkerAsync(cancellationToken);
        if (binding is null)
        {
            if (marker is not null && !IsUnsealed(marker))
            {
                throw new StartupException(
                    $"the configured storage ({store.Description}) already belongs to another CacheRegistry database (storage id {marker}); " +
                    $"point this server at that database, or use empty storage (to reuse this storage anyway, delete its object {StorageKey.Marker.Value})");
            }
            var id = Guid.NewGuid().ToString("N");
            await WriteMarkerAsync(Claim + id, cancellationToken);
            // Replicas starting together each claim; the first to record its id in the database wins.
            binding = await bindings.BindAsync(new StorageBindingRecord(id, store.Description), clock.GetUtcNow(), cancellationToken);
            await WriteMarkerAsync(binding.StorageId, cancellationToken);
            logger.LogInformation("Bound the database to {Storage} (storage id {Id})", store.Description, binding.StorageId);
            return;
        }
        if (marker == binding.StorageId) return;
        if (marker is not null && IsUnsealed(marker))
        {
            await WriteMarkerAsync(binding.StorageId, cancellationToken); // a first start that stopped before sealing its claim
            return;
        }
        throw new StartupException(marker is null
            ? $"the database describes the storage {binding.Description} (storage id {binding.StorageId}), but the configured storage ({store.Description}) has no CacheRegistry marker; point this server at the storage its database describes"
            : $"the database describes the storage {binding.Description} (storage id {binding.StorageId}), but the configured storage ({store.Description}) is storage {marker}; point this server at the storage its database describes");
    }

    // A storage id is never empty: an empty marker is a claim or seal whose write was cut short.
    private static bool IsUnsealed(string marker) => marker.Length == 0 || marker.StartsWith(Claim, StringComparison.Ordinal);

    private async Task<string?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        await using var opened = await store.OpenReadAsync(StorageKey.Marker, cancellationToken);
        if (opened is null) return null;
        using var reader = new StreamReader(opened.Content, Encoding.UTF8);
        return (await reader.ReadToEndAsync(cancellationToken)).Trim();
    }

    private async Task WriteMarkerAsync(string content, CancellationToken cancellationToken)
    {
        await using var staged = await staging.CreateAsync();
        await staged.Stream.WriteAsync(Encoding.UTF8.GetBytes(content + "\n"), cancellationToken);
        await staged.CompleteAsync();
        await store.PutAsync(StorageKey.Marker, staged, cancellationToken);
    }
}
