using System.Collections.Concurrent;
using CacheRegistry.Server.Metadata;
using CacheRegistry.Server.Storage;

namespace CacheRegistry.Server.Hosting;

/// <summary>What a failure means for the client: a dependency is down (retry later), the disk is full, or a bug.</summary>
public enum FailureKind { Bug, Unavailable, DiskFull }

/// <summary>
/// Tells outages from bugs in what the database and the object store throw, and logs an outage once
/// when it starts and once when it ends, not a stack trace per refused request.
/// </summary>
public sealed class OutageMonitor(MetadataHealth database, ILogger<OutageMonitor> logger)
{
    private readonly ConcurrentDictionary<string, Outage> _outages = new(StringComparer.Ordinal);

    public FailureKind Classify(Exception exception)
    {
        if (database.IsDiskFull(exception) || Core.Storage.DiskErrors.IsDiskFull(exception)) return Report("disk", exception, FailureKind.DiskFull);
        if (database.IsUnavailable(exception)) return Report("database", exception, FailureKind.Unavailable);
        if (StorageFailures.IsUnavailable(exception)) return Report("object store", exception, FailureKind.Unavailable);
        return FailureKind.Bug;
    }

    /// <summary>A successful check of the component: an outage of it, if any, is over.</summary>
    public void Recovered(string component)
    {
        if (!_outages.TryRemove(component, out var outage)) return;
        logger.LogWarning("The {Component} is back after {Seconds:0} s; {Refused} requests were refused meanwhile",
            component, (DateTimeOffset.UtcNow - outage.Since).TotalSeconds, outage.Refused);
    }

    public bool IsDown(string component) => _outages.ContainsKey(component);

    private FailureKind Report(string component, Exception exception, FailureKind kind)
    {
        var outage = _outages.GetOrAdd(component, _ => new Outage(DateTimeOffset.UtcNow));
        if (Interlocked.Increment(ref outage.Refused) == 1)
        {
            logger.LogError("The {Component} is not available ({Error}); requests that need it get {Status} until it is back",
                component, Innermost(exception).Message, kind == FailureKind.DiskFull ? 507 : 503);
        }
        return kind;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null) exception = exception.InnerException;
        return exception;
    }

    private sealed class Outage(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;
        public long Refused;
    }
}
