using CacheRegistry.Server.Configuration;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CacheRegistry.Server.Observability;

/// <summary>
/// Owns the OpenTelemetry SDK's meter and tracer providers (OpenTelemetry.Extensions.Hosting is not
/// available to us): the same instruments /metrics shows, plus traces of requests, outgoing HTTP (S3)
/// and database commands, which ASP.NET Core, HttpClient and Npgsql already emit as activities.
/// </summary>
public sealed class OpenTelemetryService(IOptions<TelemetryOptions> options, ILogger<OpenTelemetryService> logger) : IHostedService, IDisposable
{
    private MeterProvider? _meters;
    private TracerProvider? _tracer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.OtlpEndpoint)) return Task.CompletedTask;

        var endpoint = settings.OtlpEndpoint.TrimEnd('/');
        var resource = ResourceBuilder.CreateDefault().AddService(settings.ServiceName);
        var interval = (int)settings.ExportInterval.TotalMilliseconds;
        _meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Core.Access.CacheMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = new Uri(endpoint + "/v1/metrics");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
            })
            .Build();
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource("Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Microsoft.EntityFrameworkCore")
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = new Uri(endpoint + "/v1/traces");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = interval;
            })
            .Build();
        logger.LogInformation("Exporting metrics and traces over OTLP to {Endpoint}", endpoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _meters?.ForceFlush(2000);
        _tracer?.ForceFlush(2000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meters?.Dispose();
        _tracer?.Dispose();
    }
}
