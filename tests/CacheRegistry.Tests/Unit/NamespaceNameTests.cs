using CacheRegistry.Server.Core;

namespace CacheRegistry.Tests.Unit;

public class NamespaceNameTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("ci-main")]
    [InlineData("Team_1.builds")]
    [InlineData("a")]
    public void Accepts_simple_names(string text) => Assert.True(NamespaceName.TryParse(text, out _));

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a%2Fb")]
    [InlineData("a\0b")]
    [InlineData("space here")]
    [InlineData("api")]
    [InlineData("HEALTHZ")]
    public void Rejects_unsafe_or_reserved_names(string text) => Assert.False(NamespaceName.TryParse(text, out _));

    [Fact]
    public void Rejects_names_over_64_characters()
    {
        Assert.True(NamespaceName.TryParse(new string('a', 64), out _));
        Assert.False(NamespaceName.TryParse(new string('a', 65), out _));
    }
}
