using CacheRegistry.Common.IO;

namespace CacheRegistry.Client;

/// <summary>Reports the bytes read through it.</summary>
internal sealed class ProgressReadStream(Stream inner, IProgress<long> progress) : ReadOnlyStream
{
    public static Stream Wrap(Stream inner, IProgress<long>? progress) => progress is null ? inner : new ProgressReadStream(inner, progress);

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (read > 0) progress.Report(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0) progress.Report(read);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
