using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CacheRegistry.Client;

/// <summary>Builds the HTTP handler, trusting a given CA bundle instead of the system store when one is set.</summary>
internal static class TlsTrust
{
    public static SocketsHttpHandler CreateHandler(string? caBundlePath)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (string.IsNullOrEmpty(caBundlePath)) return handler;

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caBundlePath);
        if (roots.Count == 0) throw new CacheClientException($"{caBundlePath} holds no PEM certificates");
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck, // private CAs rarely publish revocation lists
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        return handler;
    }
}
