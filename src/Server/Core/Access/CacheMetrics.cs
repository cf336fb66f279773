using System.Diagnostics.Metrics;

namespace CacheRegistry.Server.Core.Access;

/// <summary>The server's instruments, all on one meter (what /metrics and an OTLP exporter publish).</summary>
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
        Lookups = meter.CreateCounter<long>("cacheregistry.lookups", description: "Cache lookups by protocol, namespace and result (hit or miss)");
        Writes = meter.CreateCounter<long>("cacheregistry.writes", description: "Blobs and entries written, by protocol and namespace");
        Requests = meter.CreateCounter<long>("cacheregistry.requests", description: "HTTP requests by protocol, method and status class");
        WireBytes = meter.CreateCounter<long>("cacheregistry.wire", unit: "By", description: "Bytes received and sent over HTTP, by protocol and direction");
        StoredBytes = meter.CreateCounter<long>("cacheregistry.stored", unit: "By", description: "Bytes written to and read from blob storage, by direction");
        Errors = meter.CreateCounter<long>("cacheregistry.errors", description: "Refused or failed requests, by kind (status code)");
        Evictions = meter.CreateCounter<long>("cacheregistry.evictions", description: "Blobs and entries removed by garbage collection, by namespace and reason");
        GcPasses = meter.CreateCounter<long>("cacheregistry.gc.passes", description: "Garbage collection passes run");
        AuditDropped = meter.CreateCounter<long>("cacheregistry.audit.dropped", description: "Audit records dropped because the queue of records waiting for the database was full");
        Meter = meter;
    }

    public Meter Meter { get; }

    public Counter<long> Lookups { get; }

    public Counter<long> Writes { get; }

    public Counter<long> Requests { get; }

    public Counter<long> WireBytes { get; }

    public Counter<long> StoredBytes { get; }

    public Counter<long> Errors { get; }

    public Counter<long> Evictions { get; }

    public Counter<long> GcPasses { get; }

    public Counter<long> AuditDropped { get; }
}
