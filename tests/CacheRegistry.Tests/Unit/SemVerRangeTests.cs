using CacheRegistry.Server.Core.Artifacts;
using SemanticVersion = NuGet.Versioning.SemanticVersion;

namespace CacheRegistry.Tests.Unit;

public class SemVerRangeTests
{
    [Theory]
    [InlineData("^1.2", "1.2.0", true)]
    [InlineData("^1.2", "1.9.9", true)]
    [InlineData("^1.2", "2.0.0", false)]
    [InlineData("^1.2", "1.1.9", false)]
    [InlineData("^1.2", "2.0.0-alpha", false)]
    [InlineData("^0.2.3", "0.2.9", true)]
    [InlineData("^0.2.3", "0.3.0", false)]
    [InlineData("^0.0.3", "0.0.3", true)]
    [InlineData("^0.0.3", "0.0.4", false)]
    [InlineData("~1.2.3", "1.2.9", true)]
    [InlineData("~1.2.3", "1.3.0", false)]
    [InlineData("~1.2.3", "1.2.2", false)]
    [InlineData("~1", "1.9.0", true)]
    [InlineData(">=1.0 <2.0", "1.5.0", true)]
    [InlineData(">=1.0 <2.0", "2.0.0", false)]
    [InlineData(">=1.0 <2.0", "0.9.9", false)]
    [InlineData(">1.2", "1.2.9", false)]
    [InlineData(">1.2", "1.3.0", true)]
    [InlineData("<=1.2", "1.2.9", true)]
    [InlineData("<=1.2", "1.3.0", false)]
    [InlineData("1.x", "1.4.2", true)]
    [InlineData("1.x", "2.0.0", false)]
    [InlineData("1.2.x", "1.2.7", true)]
    [InlineData("1.2", "1.2.7", true)]
    [InlineData("*", "7.0.0", true)]
    [InlineData("1.2.3", "1.2.3", true)]
    [InlineData("1.2.3", "1.2.4", false)]
    [InlineData("1.2.3", "1.2.3+build.7", true)] // build metadata is not part of precedence
    [InlineData("=1.2.3", "1.2.3", true)]
    [InlineData("^1.0 || ^3.0", "3.1.0", true)]
    [InlineData("^1.0 || ^3.0", "2.1.0", false)]
    public void Ranges_match_as_npm_does(string range, string version, bool matches)
    {
        Assert.True(SemVerRange.TryParse(range, out var parsed));
        Assert.Equal(matches, parsed.Matches(SemanticVersion.Parse(version), includePrerelease: false));
    }

    [Theory]
    [InlineData("^1.2", "1.3.0-beta.1", false, false)]
    [InlineData("^1.2", "1.3.0-beta.1", true, true)]
    [InlineData("^1.3.0-beta.1", "1.3.0-beta.2", false, true)]  // the range names a pre-release of 1.3.0
    [InlineData("^1.3.0-beta.1", "1.4.0-beta.1", false, false)] // ... but not of 1.4.0
    [InlineData("^1.3.0-beta.1", "1.3.0", false, true)]
    [InlineData("1.3.0-beta.1", "1.3.0-beta.1", false, true)]
    public void Pre_releases_match_only_when_asked_or_named(string range, string version, bool includePrerelease, bool matches)
    {
        Assert.True(SemVerRange.TryParse(range, out var parsed));
        Assert.Equal(matches, parsed.Matches(SemanticVersion.Parse(version), includePrerelease));
    }

    [Theory]
    [InlineData("stable")]
    [InlineData("latest")]
    [InlineData("")]
    [InlineData("^")]
    [InlineData("1.x.3")]
    [InlineData(">=")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2-beta")]
    public void Tags_and_nonsense_are_not_ranges(string text) => Assert.False(SemVerRange.TryParse(text, out _));
}
