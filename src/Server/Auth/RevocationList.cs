using System.Collections.Frozen;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Auth;

/// <summary>
/// The ids (<c>jti</c>) of revoked tokens, checked on every authenticated request from memory and
/// reloaded from the database every few seconds, so a revocation on one replica reaches all of them.
/// </summary>
public sealed class RevocationList(IDbContextFactory<CacheDbContext> contexts, TimeProvider clock)
{
    private volatile FrozenSet<string> _revoked = FrozenSet<string>.Empty;

    public bool IsRevoked(string? tokenId) => tokenId is not null && _revoked.Contains(tokenId);

    /// <summary>Takes effect at once on this server; the others see it at their next reload.</summary>
    public void Add(string tokenId) => _revoked = _revoked.Append(tokenId).ToFrozenSet();

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Expired tokens fail validation anyway; only live revoked ones need to be remembered.
        var now = clock.GetUtcNow();
        var revoked = await db.IssuedTokens.AsNoTracking()
            .Where(t => t.RevokedAt != null && t.ExpiresAt > now)
            .Select(t => t.Id)
            .ToListAsync(cancellationToken);
        _revoked = revoked.ToFrozenSet();
    }
}

public sealed class RevocationRefreshService(RevocationList revocations, IOptions<AuthOptions> options, ILogger<RevocationRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        using var timer = new PeriodicTimer(options.Value.RevocationRefreshInterval);
        do
        {
            try
            {
                await revocations.ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not reload the token revocation list; keeping the previous one");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
