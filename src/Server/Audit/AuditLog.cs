using System.Threading.Channels;
using CacheRegistry.Server.Core.Access;

namespace CacheRegistry.Server.Audit;

/// <summary>
/// Accepts audit events without making the request wait on the database; <see cref="AuditWriterService"/>
/// writes them in batches, and keeps them while the database is down. The queue is bounded: past the
/// bound a record is dropped, counted and logged (requests never wait on the audit log).
/// </summary>
public sealed class AuditLog(CacheMetrics metrics, ILogger<AuditLog> logger)
{
    public const int Capacity = 100_000;

    private readonly Channel<AuditEvent> _pending = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _dropped;

    public void Record(AuditEvent auditEvent)
    {
        if (_pending.Writer.TryWrite(auditEvent)) return;
        metrics.AuditDropped.Add(1);
        // One line per thousand, not per record: an outage must not flood the log.
        if (Interlocked.Increment(ref _dropped) % 1000 == 1)
        {
            logger.LogError("The audit queue is full ({Capacity} records waiting for the database); {Dropped} records dropped so far", Capacity, Interlocked.Read(ref _dropped));
        }
    }

    public ChannelReader<AuditEvent> Pending => _pending.Reader;
}
