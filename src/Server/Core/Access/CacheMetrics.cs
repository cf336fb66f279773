using System.Diagnostics.Metrics;

namespace CacheRegistry.Server.Core.Access;

/// <summary>
/// The server's instruments, all on one meter (what /metrics and an OTLP exporter publish). The counters
/// are <see cref="Tally"/>s, published as observable counters.
/// </summary>
public sealed class CacheMetrics
{
    public const string MeterName = "CacheRegistry";

    public CacheMetrics(IMeterFactory meters, StorageUsage usage)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("cacheregistry.storage.size",
            () => usage.ByNamespace.Values.Select(u => new Measurement<long>(u.StoredBytes, new KeyValuePair<string, object?>("namespace", u.Namespace))),
            unit: "By", description: "Stored bytes per namespace (a blob shared by namespaces counts in each)");
        meter.CreateObservableGauge("cacheregistry.storage.objects",
            () => usage.ByNamespace.Values.Select(u => new Measurement<long>(u.Blobs, new KeyValuePair<string, object?>("namespace", u.Namespace))),
            description: "Blobs visible per namespace");
        Tally Counter(string name, string? unit, string description, params string[] tagNames)
        {
            var tally = new Tally(tagNames.Contains("namespace") ? "namespace" : null, tagNames);
            meter.CreateObservableCounter(name, tally.Measurements, unit, description);
            return tally;
        }
        Lookups = Counter("cacheregistry.lookups", null, "Cache lookups by protocol, namespace and result (hit or miss)", "protocol", "namespace", "result");
        Writes = Counter("cacheregistry.writes", null, "Blobs and entries written, by protocol and namespace", "protocol", "namespace");
        Requests = Counter("cacheregistry.requests", null, "HTTP requests by protocol, method and status class", "protocol", "method", "status");
        WireBytes = Counter("cacheregistry.wire", "By", "Bytes received and sent over HTTP, by protocol and direction", "protocol", "direction");
        StoredBytes = Counter("cacheregistry.stored", "By", "Bytes written to and read from blob storage, by direction", "direction");
        Errors = Counter("cacheregistry.errors", null, "Refused or failed requests, by protocol and kind (status code)", "protocol", "kind");
        Evictions = Counter("cacheregistry.evictions", null, "Blobs and entries removed by garbage collection, by namespace and reason", "namespace", "reason");
        GcPasses = Counter("cacheregistry.gc.passes", null, "Garbage collection passes run");
        AuditDropped = Counter("cacheregistry.audit.dropped", null, "Audit records dropped because the queue of records waiting for the database was full");
    }

    public Tally Lookups { get; }

    public Tally Writes { get; }

    public Tally Requests { get; }

    public Tally WireBytes { get; }

    public Tally StoredBytes { get; }

    public Tally Errors { get; }

    public Tally Evictions { get; }

    public Tally GcPasses { get; }

    public Tally AuditDropped { get; }
}
