using CacheRegistry.Server.Core.Namespaces;
using CacheRegistry.Server.Http;

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
    public void Rejects_unsafe_names(string text) => Assert.False(NamespaceName.TryParse(text, out _));

    [Theory]
    [InlineData("api")]
    [InlineData("HEALTHZ")]
    [InlineData("ccache")]
    public void The_http_door_refuses_names_its_routes_use_as_prefixes(string text)
    {
        Assert.True(NamespaceName.TryParse(text, out _));
        Assert.Equal(400, Assert.Throws<CacheRequestException>(() => RouteValues.NamespaceOrDefault(text)).StatusCode);
    }

    [Fact]
    public void Rejects_names_over_64_characters()
    {
        Assert.True(NamespaceName.TryParse(new string('a', 64), out _));
        Assert.False(NamespaceName.TryParse(new string('a', 65), out _));
    }
}
