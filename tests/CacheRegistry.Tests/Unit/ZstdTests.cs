using CacheRegistry.Common.Compression;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

public class ZstdTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(131_072)]
    [InlineData(3_000_001)]
    public async Task Round_trips_content(int length)
    {
        var content = TestData.Compressible(length);
        var frame = await CompressAsync(content);
        Assert.True(frame.AsSpan().StartsWith(Zstd.FrameMagic));
        Assert.Equal(content, await DecompressAsync(frame));
    }

    [Fact]
    public async Task Compresses_repetitive_content()
    {
        var content = TestData.Compressible(1_000_000);
        Assert.True((await CompressAsync(content)).Length < content.Length / 3);
    }

    [Fact]
    public async Task Decompresses_concatenated_frames()
    {
        var first = TestData.Compressible(10_000, seed: 1);
        var second = TestData.Random(10_000, seed: 2);
        var frames = (await CompressAsync(first)).Concat(await CompressAsync(second)).ToArray();
        Assert.Equal(first.Concat(second).ToArray(), await DecompressAsync(frames));
    }

    [Fact]
    public void Synchronous_round_trip_matches()
    {
        var content = TestData.Compressible(500_000);
        var compressed = new MemoryStream();
        using (var compressor = new ZstdCompressStream(compressed, level: 1, leaveOpen: true)) compressor.Write(content);
        using var decompressor = new ZstdDecompressStream(new MemoryStream(compressed.ToArray()));
        var output = new MemoryStream();
        decompressor.CopyTo(output);
        Assert.Equal(content, output.ToArray());
    }

    [Fact]
    public async Task Rejects_corrupt_frames()
    {
        var frame = await CompressAsync(TestData.Compressible(100_000));
        for (var i = 4; i < 24; i++) frame[i] ^= 0x5A;
        await Assert.ThrowsAnyAsync<ZstdException>(() => DecompressAsync(frame));
    }

    [Fact]
    public async Task Rejects_data_that_is_not_zstd()
    {
        await Assert.ThrowsAnyAsync<ZstdException>(() => DecompressAsync("plain text, not a zstd frame"u8.ToArray()));
    }

    [Fact]
    public async Task Rejects_truncated_frames()
    {
        var frame = await CompressAsync(TestData.Random(200_000));
        var ex = await Assert.ThrowsAnyAsync<ZstdException>(() => DecompressAsync(frame[..(frame.Length / 2)]));
        Assert.Contains("ended", ex.Message);
    }

    [Fact]
    public async Task Stops_at_the_decompressed_size_cap()
    {
        // 64 MiB of zeros compress to a few KiB: a small bomb.
        var compressed = new MemoryStream();
        await using (var compressor = new ZstdCompressStream(compressed, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 64; i++) await compressor.WriteAsync(zeros);
        }
        Assert.True(compressed.Length < 64 * 1024);

        await using var decompressor = new ZstdDecompressStream(new MemoryStream(compressed.ToArray()), maxDecompressedBytes: 1024 * 1024);
        var error = await Assert.ThrowsAsync<DecompressedSizeLimitException>(() => decompressor.CopyToAsync(Stream.Null));
        Assert.Equal(1024 * 1024, error.Limit);
    }

    [Fact]
    public void Reports_the_zstd_version() => Assert.StartsWith("1.", Zstd.LibraryVersion);

    private static async Task<byte[]> CompressAsync(byte[] content)
    {
        var output = new MemoryStream();
        await using (var compressor = new ZstdCompressStream(output, leaveOpen: true))
        {
            // Odd-sized writes exercise the buffering between calls.
            for (var offset = 0; offset < content.Length; offset += 70_001)
            {
                await compressor.WriteAsync(content.AsMemory(offset, Math.Min(70_001, content.Length - offset)));
            }
        }
        return output.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(byte[] frame)
    {
        await using var decompressor = new ZstdDecompressStream(new MemoryStream(frame));
        var output = new MemoryStream();
        await decompressor.CopyToAsync(output, 4096);
        return output.ToArray();
    }
}
