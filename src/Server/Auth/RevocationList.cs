using CacheRegistry.Server.Configuration;
using System.Collections.Frozen;
using CacheRegistry.Server.Metadata;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>
/// The ids (<c>jti</c>) of revoked tokens, checked on every authenticated request from memory and
/// reloaded from the database every few seconds, so a revocation on one replica reaches all of them.
/// A revocation made here is kept beside the reloaded list until a reload that began after it has
/// read it back: a reload whose query ran before the revocation committed must not undo it.
/// </summary>
public sealed class RevocationList(TokenCatalog tokens, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _madeHere = new(StringComparer.Ordinal); // id → its revocation's number
    private long _revocations;
    private long _reloadedAt; // _revocations when the query of the latest reload applied began
    private volatile FrozenSet<string> _revoked = FrozenSet<string>.Empty;

    public bool IsRevoked(string? tokenId) => tokenId is not null && _revoked.Contains(tokenId);

    /// <summary>Takes effect at once on this server (call it once the revocation is committed); the others see it at their next reload.</summary>
    public void Add(string tokenId)
    {
        lock (_gate)
        {
            _madeHere[tokenId] = ++_revocations;
            _revoked = _revoked.Append(tokenId).ToFrozenSet(StringComparer.Ordinal);
        }
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        long before;
        lock (_gate) before = _revocations;
        var stored = await tokens.RevokedAsync(clock.GetUtcNow(), cancellationToken);
        lock (_gate)
        {
            if (before < _reloadedAt) return; // a later reload finished first
            _reloadedAt = before;
            // Revocations committed before this reload's query are in what it read; later ones stay until the next.
            foreach (var (id, number) in _madeHere.ToList())
            {
                if (number <= before) _madeHere.Remove(id);
            }
            _revoked = stored.Concat(_madeHere.Keys).ToFrozenSet(StringComparer.Ordinal);
        }
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
