using System.Net;
using System.Net.Http.Headers;
using CacheRegistry.Common.Compression;

namespace CacheRegistry.Client;

/// <summary>
/// A request body read from a source that can be opened again for each retry; optionally
/// zstd-compressed while it is sent, so nothing is buffered whole.
/// </summary>
internal sealed class UploadContent : HttpContent
{
    private readonly Func<Stream> _open;
    private readonly long? _length;
    private readonly int? _zstdLevel;

    public UploadContent(Func<Stream> open, long? length, int? zstdLevel)
    {
        _open = open;
        _length = length;
        _zstdLevel = zstdLevel;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (zstdLevel is not null) Headers.ContentEncoding.Add(Zstd.ContentEncoding);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var source = _open();
        if (_zstdLevel is not { } level)
        {
            await source.CopyToAsync(stream, cancellationToken);
            return;
        }
        await using var compressor = new ZstdCompressStream(stream, level, leaveOpen: true);
        await source.CopyToAsync(compressor, cancellationToken);
        await compressor.FinishAsync(cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    // Compressed bodies go out chunked: their length is known only at the end.
    protected override bool TryComputeLength(out long length)
    {
        length = _length ?? 0;
        return _zstdLevel is null && _length is not null;
    }
}
