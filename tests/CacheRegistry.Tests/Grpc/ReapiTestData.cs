using CacheRegistry.Common.Compression;

namespace CacheRegistry.Tests.Grpc;

public static class ReapiTestData
{
    public static byte[] Compress(byte[] content, int level = 3)
    {
        var output = new MemoryStream();
        using (var zstd = new ZstdCompressStream(output, level, leaveOpen: true)) zstd.Write(content);
        return output.ToArray();
    }

    public static byte[] Decompress(byte[] frame)
    {
        using var zstd = new ZstdDecompressStream(new MemoryStream(frame));
        var output = new MemoryStream();
        zstd.CopyTo(output);
        return output.ToArray();
    }
}
