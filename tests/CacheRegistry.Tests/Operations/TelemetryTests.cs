using System.Collections.Concurrent;
using CacheRegistry.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CacheRegistry.Tests.Operations;

/// <summary>With an OTLP endpoint configured, metrics and traces reach it (a minimal OTLP/HTTP receiver stands in for a collector).</summary>
[Collection(BackendCollection.Name)]
public sealed class TelemetryTests(BackendInfrastructure infrastructure) : ServerTest(infrastructure)
{
    private readonly ConcurrentBag<(string Path, string? ContentType, long Length)> _received = [];
    private WebApplication _collector = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["CacheRegistry:Telemetry:OtlpEndpoint"] = _collector.Urls.Single(),
        ["CacheRegistry:Telemetry:ExportInterval"] = "00:00:00.300",
    };

    public override async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Add(($"/v1/{signal}", context.Request.ContentType, body.Length));
            return Results.Ok();
        });
        await _collector.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_and_traces_are_exported_over_otlp()
    {
        var content = TestData.Compressible(10_000);
        await Server.Http.PutAsync($"cas/{TestData.Digest(content)}", new ByteArrayContent(content));
        await Server.Http.GetAsync($"cas/{TestData.Digest(content)}");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(_received.Any(r => r.Path == "/v1/metrics") && _received.Any(r => r.Path == "/v1/traces")) && DateTime.UtcNow < deadline) await Task.Delay(100);

        Assert.Contains(_received, r => r.Path == "/v1/metrics" && r.ContentType == "application/x-protobuf" && r.Length > 0);
        Assert.Contains(_received, r => r.Path == "/v1/traces" && r.ContentType == "application/x-protobuf" && r.Length > 0);
    }
}
