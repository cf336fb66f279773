namespace CacheRegistry.Server.Storage;

/// <summary>A listed object: its key (relative to the store), size and last modification.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// Where blob bytes live. Implementations publish a staged, already verified file under a key in one
/// atomic step: a reader sees either nothing or the whole object, never a partial one.
/// </summary>
public interface IBlobStore
{
    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(StorageKey key, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Publishes the staged file under the key, replacing any object already there.</summary>
    Task PutAsync(StorageKey key, StagedFile content, CancellationToken cancellationToken);

    Task DeleteAsync(StorageKey key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with the prefix ("cas/", "uploads/"), for the orphan sweep.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}
