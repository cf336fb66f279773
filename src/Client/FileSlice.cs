using CacheRegistry.Common.IO;

namespace CacheRegistry.Client;

/// <summary>A window of a file, read as a stream of its own (one upload part).</summary>
internal sealed class FileSlice : ReadOnlyStream
{
    private readonly FileStream _file;
    private long _remaining;

    public FileSlice(string path, long offset, long length)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous);
        _file.Seek(offset, SeekOrigin.Begin);
        _remaining = length;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = _file.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
        _remaining -= read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
