using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Core.Access;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CacheRegistry.Server.Observability;

/// <summary>
/// Metrics and traces through OpenTelemetry: the server's own instruments (meter CacheRegistry) and
/// ASP.NET Core's and HttpClient's, scraped at /metrics (Prometheus text, operators only) and, when
/// an OTLP endpoint is configured (CacheRegistry:Telemetry:OtlpEndpoint, or the standard
/// OTEL_EXPORTER_OTLP_ENDPOINT), exported with traces of requests, outgoing HTTP (S3) and PostgreSQL.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddCacheTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        var endpoint = string.IsNullOrEmpty(options.OtlpEndpoint) ? null : options.OtlpEndpoint.TrimEnd('/');
        var otlp = endpoint is not null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's request latency and Kestrel's connections; not its per-request counters of
                // routing, authentication and authorization, which cost every request and say less than
                // cacheregistry.requests and cacheregistry.errors.
                metrics.AddMeter(CacheMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics")
                    .AddHttpClientInstrumentation()
                    // Every scrape sees the latest counts (the default caches them for 300 ms).
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (!otlp) return;
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, endpoint, "/v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
                });
            });
        // Traces cost on every request: only when someone receives them.
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("CacheRegistry.Metadata")
                .AddOtlpExporter(exporter => Configure(exporter, endpoint, "/v1/traces")));
        }
        return services;
    }

    // Our own setting means OTLP over HTTP/protobuf at that collector; without it the SDK reads the
    // standard OTEL_EXPORTER_OTLP_* variables, as users of OpenTelemetry expect.
    private static void Configure(OtlpExporterOptions exporter, string? endpoint, string signalPath)
    {
        if (endpoint is null) return;
        exporter.Endpoint = new Uri(endpoint + signalPath);
        exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
    }
}
