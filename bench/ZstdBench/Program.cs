using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CacheRegistry.Bench.Zstd;
using CacheRegistry.Common.Compression;

// Compresses and decompresses the same inputs with each implementation, interleaved in rounds, the way
// the server's hot path does: a new stream per blob, 128 KiB writes into the compressor (uploads) and
// 128 KiB reads out of the decompressor (downloads), level 3. Reports the best round's MB/s
// (10^6 bytes of uncompressed content per second).
const int Level = 3;
const int ChunkSize = 128 * 1024;
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "3", CultureInfo.InvariantCulture);
var minSeconds = double.Parse(Environment.GetEnvironmentVariable("SECONDS_PER_CELL") ?? "0.5", CultureInfo.InvariantCulture);

Codec[] codecs =
[
    new("libzstd " + NativeZstd.Version + " (P/Invoke)",
        (sink) => new NativeCompressStream(sink, Level),
        (source) => new NativeDecompressStream(source)),
    new("ZstdSharp.Port (its own streams)",
        (sink) => new ZstdSharp.CompressionStream(sink, Level, ChunkSize, leaveOpen: true),
        (source) => new ZstdSharp.DecompressionStream(source, ChunkSize, checkEndOfStream: true, leaveOpen: true)),
    new("CacheRegistry.Common streams",
        (sink) => new ZstdCompressStream(sink, Level, leaveOpen: true),
        (source) => new ZstdDecompressStream(source, leaveOpen: true)),
];

DataSet[] dataSets =
[
    new("1 KiB compressible", Inputs.Compressible(1024)),
    new("1 KiB incompressible", Inputs.Random(1024)),
    new("64 MiB compressible", Inputs.Compressible(64 * 1024 * 1024)),
    new("64 MiB incompressible", Inputs.Random(64 * 1024 * 1024)),
];

// Every frame must decompress to its input with every implementation (they write the same format).
var frames = new Dictionary<(DataSet, Codec), byte[]>();
foreach (var data in dataSets)
{
    foreach (var codec in codecs)
    {
        var frame = await Run.CompressAsync(codec, data.Content, ChunkSize);
        foreach (var reader in codecs)
        {
            var check = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var length = await Run.DecompressAsync(reader, frame, ChunkSize, check);
            if (length != data.Content.Length || !check.GetHashAndReset().AsSpan().SequenceEqual(SHA256.HashData(data.Content)))
            {
                throw new InvalidOperationException($"{reader.Name} did not restore {data.Name} compressed by {codec.Name}");
            }
        }
        frames[(data, codec)] = frame;
    }
}

// Round 0 only warms up (JIT tiers, allocator); rounds 1..n are measured, interleaved.
var best = new Dictionary<(DataSet, string, Codec), double>();
for (var round = 0; round <= rounds; round++)
{
    Console.Error.WriteLine(round == 0 ? "warming up ..." : $"round {round}/{rounds} ...");
    foreach (var data in dataSets)
    {
        foreach (var codec in codecs)
        {
            var compress = await Run.MeasureAsync(data.Content.Length, minSeconds, () => Run.CompressToSinkAsync(codec, data.Content, ChunkSize));
            var decompress = await Run.MeasureAsync(data.Content.Length, minSeconds, () => Run.DecompressAsync(codec, frames[(data, codec)], ChunkSize, null));
            if (round == 0) continue;
            Keep((data, "compress", codec), compress);
            Keep((data, "decompress", codec), decompress);
        }
    }
}

var output = new StringBuilder();
output.AppendLine($"zstd level {Level}, {ChunkSize / 1024} KiB writes/reads, a new stream per blob; MB/s of uncompressed content, best of {rounds} rounds; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
output.AppendLine();
output.Append("| input | operation | compression ratio |");
foreach (var codec in codecs) output.Append($" {codec.Name} |");
output.AppendLine(" libzstd ÷ Common |");
output.Append("| --- | --- | ---: |");
foreach (var _ in codecs) output.Append(" ---: |");
output.AppendLine(" ---: |");
foreach (var data in dataSets)
{
    foreach (var operation in new[] { "compress", "decompress" })
    {
        var ratio = (double)data.Content.Length / frames[(data, codecs[^1])].Length;
        output.Append($"| {data.Name} | {operation} | {ratio:0.00} |");
        foreach (var codec in codecs) output.Append($" {best[(data, operation, codec)]:#,0} |");
        output.AppendLine($" {best[(data, operation, codecs[0])] / best[(data, operation, codecs[^1])]:0.00}× |");
    }
}
Console.Write(output.ToString());
return;

void Keep((DataSet, string, Codec) cell, double megabytesPerSecond) =>
    best[cell] = Math.Max(best.GetValueOrDefault(cell), megabytesPerSecond);

internal sealed record Codec(string Name, Func<Stream, Stream> Compressor, Func<Stream, Stream> Decompressor);

internal sealed record DataSet(string Name, byte[] Content);

internal static class Run
{
    public static async Task<byte[]> CompressAsync(Codec codec, byte[] content, int chunkSize)
    {
        var sink = new MemoryStream(content.Length / 2 + 1024);
        await using (var compressor = codec.Compressor(sink))
        {
            for (var offset = 0; offset < content.Length; offset += chunkSize)
            {
                await compressor.WriteAsync(content.AsMemory(offset, Math.Min(chunkSize, content.Length - offset)));
            }
        }
        return sink.ToArray();
    }

    /// <summary>Compresses into a sink that only counts, so that the clock measures compression, not a growing buffer.</summary>
    public static async Task<long> CompressToSinkAsync(Codec codec, byte[] content, int chunkSize)
    {
        var sink = new CountingSink();
        await using (var compressor = codec.Compressor(sink))
        {
            for (var offset = 0; offset < content.Length; offset += chunkSize)
            {
                await compressor.WriteAsync(content.AsMemory(offset, Math.Min(chunkSize, content.Length - offset)));
            }
        }
        return sink.Length;
    }

    public static async Task<long> DecompressAsync(Codec codec, byte[] frame, int chunkSize, IncrementalHash? check)
    {
        var buffer = new byte[chunkSize];
        long total = 0;
        await using var decompressor = codec.Decompressor(new MemoryStream(frame, writable: false));
        int read;
        while ((read = await decompressor.ReadAsync(buffer)) > 0)
        {
            check?.AppendData(buffer, 0, read);
            total += read;
        }
        return total;
    }

    /// <summary>Runs the operation until at least <paramref name="minSeconds"/> have passed (twice at least); MB/s.</summary>
    public static async Task<double> MeasureAsync<T>(long bytesPerRun, double minSeconds, Func<Task<T>> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await operation();
        var clock = Stopwatch.StartNew();
        long runs = 0;
        while (runs < 2 || clock.Elapsed.TotalSeconds < minSeconds)
        {
            await operation();
            runs++;
        }
        return bytesPerRun * runs / clock.Elapsed.TotalSeconds / 1e6;
    }
}

internal sealed class CountingSink : Stream
{
    private long _length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Write(byte[] buffer, int offset, int count) => _length += count;
    public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _length += buffer.Length;
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _length += count;
        return Task.CompletedTask;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

internal static class Inputs
{
    public static byte[] Random(int length)
    {
        var bytes = new byte[length];
        new Random(1).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Log- and source-like text: words, paths and numbers, about 3–4× smaller at level 3.</summary>
    public static byte[] Compressible(int length)
    {
        var random = new Random(2);
        var words = Enumerable.Range(0, 2000).Select(_ => new string(Enumerable.Range(0, random.Next(2, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            var line = random.Next(8) switch
            {
                0 => $"src/{words[random.Next(words.Length)]}/{words[random.Next(words.Length)]}.c:{random.Next(1, 5000)}: ",
                1 => $"0x{random.Next():x8} ",
                _ => "",
            };
            text.Append(line);
            for (var i = random.Next(3, 12); i > 0; i--) text.Append(words[random.Next(words.Length)]).Append(' ');
            text.Append('\n');
        }
        return Encoding.ASCII.GetBytes(text.ToString(0, length));
    }
}
