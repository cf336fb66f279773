using System.Threading.Channels;
using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Server.Core;

/// <summary>
/// Accepts audit events without making the request wait on the database;
/// <see cref="Background.AuditWriterService"/> writes them in batches.
/// </summary>
public sealed class AuditLog
{
    private readonly Channel<AuditEvent> _pending = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(100_000)
    {
        // Back-pressure instead of dropping: losing audit records silently is worse than a slow write.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public ValueTask RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
        _pending.Writer.WriteAsync(auditEvent, cancellationToken);

    public ChannelReader<AuditEvent> Pending => _pending.Reader;
}
