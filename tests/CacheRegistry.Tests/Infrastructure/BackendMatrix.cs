using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// The storage configurations every server test runs against. A test marked <see cref="BackendFactAttribute"/>
/// or <see cref="BackendTheoryAttribute"/> runs once per configuration; <see cref="ServerTest"/> builds its
/// server over <see cref="Current"/>.
/// </summary>
public static class BackendMatrix
{
    /// <summary>SQLite and the filesystem: the embedded default.</summary>
    public const string Embedded = "sqlite+filesystem";

    /// <summary>PostgreSQL and S3: the production profile.</summary>
    public const string PostgresS3 = "postgresql+s3";

    public static readonly IReadOnlyList<string> All = [Embedded, PostgresS3];

    private static readonly AsyncLocal<string?> CurrentBackend = new();

    /// <summary>The configuration of the test running on this flow (the embedded default outside the matrix).</summary>
    public static string Current => CurrentBackend.Value ?? Embedded;

    internal static void Enter(string backend) => CurrentBackend.Value = backend;
}

/// <summary>A fact that runs once per storage configuration.</summary>
[XunitTestCaseDiscoverer("CacheRegistry.Tests.Infrastructure.BackendFactDiscoverer", "CacheRegistry.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>A theory (with InlineData or MemberData) that runs once per storage configuration and data row.</summary>
[XunitTestCaseDiscoverer("CacheRegistry.Tests.Infrastructure.BackendTheoryDiscoverer", "CacheRegistry.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendTheoryAttribute : FactAttribute;

public sealed class BackendFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute) =>
        BackendMatrix.All.Select(backend => new BackendTestCase(diagnostics, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, backend, null));
}

public sealed class BackendTheoryDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        var info = method.Method.ToRuntimeMethod();
        var rows = info.GetCustomAttributes<DataAttribute>().SelectMany(data => data.GetData(info)).ToList();
        if (rows.Count == 0) throw new InvalidOperationException($"{info.Name} is a backend theory without data");
        return BackendMatrix.All.SelectMany(backend => rows.Select(row =>
            new BackendTestCase(diagnostics, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, backend, row)));
    }
}

/// <summary>One test method run on one storage configuration (and, for theories, one data row).</summary>
public sealed class BackendTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public BackendTestCase()
    {
    }

    public BackendTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method, string backend, object?[]? arguments)
        : base(diagnostics, display, displayOptions, method, arguments)
    {
        Backend = backend;
    }

    public string Backend { get; private set; } = BackendMatrix.Embedded;

    protected override void Initialize()
    {
        base.Initialize();
        DisplayName = $"{DisplayName} [{Backend}]";
        Traits.TryAdd("backend", []);
        Traits["backend"].Add(Backend);
    }

    protected override string GetUniqueID() => $"{base.GetUniqueID()}-{Backend}";

    public override void Serialize(IXunitSerializationInfo data)
    {
        data.AddValue(nameof(Backend), Backend);
        base.Serialize(data);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        Backend = data.GetValue<string>(nameof(Backend));
        base.Deserialize(data);
    }

    // Async, so the configuration is set for this case's flow only (the class is built and initialized on it).
    public override async Task<RunSummary> RunAsync(IMessageSink diagnostics, IMessageBus bus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellation)
    {
        BackendMatrix.Enter(Backend);
        return await base.RunAsync(diagnostics, bus, constructorArguments, aggregator, cancellation);
    }
}
