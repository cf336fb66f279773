using System.Security.Cryptography;
using CacheRegistry.Common.Hashing;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Unit;

public class Sha256DigestTests
{
    [Fact]
    public void Empty_digest_is_the_hash_of_no_bytes() =>
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), Sha256Digest.Empty.Hex);

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")] // uppercase is not canonical
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]  // 63 characters
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")] // 65 characters
    [InlineData("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("../../../../etc/passwd/../../../../../../../../../../../../../../")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\0")]
    public void Rejects_anything_but_64_lowercase_hex(string text)
    {
        Assert.False(Sha256Digest.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Sha256Digest.Parse(text));
    }

    [Fact]
    public async Task Streaming_hash_equals_one_shot_hash()
    {
        var content = TestData.Random(1_000_003);
        var (digest, length) = await Sha256Digest.OfStreamAsync(new MemoryStream(content));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), digest.Hex);
        Assert.Equal(content.Length, length);
        Assert.Equal(Sha256Digest.Of(content), digest);
    }
}
