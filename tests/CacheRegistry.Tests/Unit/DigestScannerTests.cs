using System.Text;
using CacheRegistry.Server.Core.Entries;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

public class DigestScannerTests
{
    private static readonly string A = TestData.Digest([1]).Hex;
    private static readonly string B = TestData.Digest([2]).Hex;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Finds_digests_across_chunk_boundaries(int chunkSize)
    {
        var content = Encoding.ASCII.GetBytes($"{{\"outputs\":[\"{A}\",\"{B}\"],\"not\":\"{A}0\",\"short\":\"{B[..63]}\",\"upper\":\"{A.ToUpperInvariant()}\"}}");
        var scanner = new DigestScanner();
        for (var offset = 0; offset < content.Length; offset += chunkSize) scanner.Append(content.AsSpan(offset, Math.Min(chunkSize, content.Length - offset)));
        Assert.Equal(new[] { A, B }.Order(), scanner.Finish().Order());
    }

    [Fact]
    public void Finds_a_digest_that_ends_the_content_and_one_inside_protobuf_bytes()
    {
        var protobuf = new byte[] { 0x12, 0x44, 0x0a, 0x40 }.Concat(Encoding.ASCII.GetBytes(A)).Concat(new byte[] { 0x10, 0x05, 0x0a, 0x40 }).Concat(Encoding.ASCII.GetBytes(B)).ToArray();
        var scanner = new DigestScanner();
        scanner.Append(protobuf);
        Assert.Equal(new[] { A, B }.Order(), scanner.Finish().Order());
    }

    [Fact]
    public void Stops_looking_after_the_limit()
    {
        var scanner = new DigestScanner(maxBytes: 100);
        scanner.Append(Encoding.ASCII.GetBytes(new string(' ', 100) + A));
        Assert.Empty(scanner.Finish());
    }
}
