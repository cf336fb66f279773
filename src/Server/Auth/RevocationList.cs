using CacheRegistry.Server.Configuration;
using System.Collections.Frozen;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>
/// The ids (<c>jti</c>) of revoked tokens, checked on every authenticated request from memory and
/// reloaded from the database every few seconds, so a revocation on one replica reaches all of them.
/// </summary>
public sealed class RevocationList(TokenCatalog tokens, TimeProvider clock)
{
    private volatile FrozenSet<string> _revoked = FrozenSet<string>.Empty;

    public bool IsRevoked(string? tokenId) => tokenId is not null && _revoked.Contains(tokenId);

    /// <summary>Takes effect at once on this server; the others see it at their next reload.</summary>
    public void Add(string tokenId) => _revoked = _revoked.Append(tokenId).ToFrozenSet();

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _revoked = (await tokens.RevokedAsync(clock.GetUtcNow(), cancellationToken)).ToFrozenSet();
    }
}

/// <summary>Reloads the revocation list on every server, every <see cref="AuthOptions.RevocationRefreshInterval"/>.</summary>
public sealed class RevocationRefreshService(RevocationList revocations, IOptions<AuthOptions> options, ILogger<RevocationRefreshService> logger)
    : Background.PeriodicService(logger)
{
    protected override bool IsEnabled => options.Value.Enabled;

    protected override TimeSpan Interval => options.Value.RevocationRefreshInterval;

    // A revoked token is refused from the first request on.
    protected override Task PrepareAsync(CancellationToken cancellationToken) => revocations.ReloadAsync(cancellationToken);

    protected override bool RunsAtStart => false;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => revocations.ReloadAsync(cancellationToken);
}
