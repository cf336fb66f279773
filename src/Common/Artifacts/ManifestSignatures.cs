using System.Security.Cryptography;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Common.Artifacts;

/// <summary>A signature over a manifest digest, with the public key that checks it (trust is the verifier's call).</summary>
public sealed record ArtifactSignature(string KeyId, string Algorithm, string PublicKey, string Signature);

/// <summary>ECDSA P-256 with SHA-256 over the canonical manifest; keys are PEM files (PKCS#8 private, SPKI public).</summary>
public static class ManifestSignatures
{
    public const string Algorithm = "ecdsa-p256-sha256";

    public static ArtifactSignature Sign(ArtifactManifest manifest, string privateKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        if (key.KeySize != 256) throw new CryptographicException("signing keys must be ECDSA P-256");
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var signature = key.SignData(manifest.CanonicalJson(), HashAlgorithmName.SHA256);
        return new ArtifactSignature(KeyIdOf(publicKey), Algorithm, Convert.ToBase64String(publicKey), Convert.ToBase64String(signature));
    }

    /// <summary>True when the signature is a valid ECDSA P-256 signature of this manifest by its own public key.</summary>
    public static bool IsValid(ArtifactSignature signature, ArtifactManifest manifest)
    {
        if (signature.Algorithm != Algorithm) return false;
        try
        {
            var publicKey = Convert.FromBase64String(signature.PublicKey);
            if (KeyIdOf(publicKey) != signature.KeyId) return false;
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            return key.KeySize == 256 && key.VerifyData(manifest.CanonicalJson(), Convert.FromBase64String(signature.Signature), HashAlgorithmName.SHA256);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A key's id: the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Sha256Digest.Of(subjectPublicKeyInfo).Hex;

    /// <summary>The ids of the public keys (SPKI PEM files, *.pem) in a directory.</summary>
    public static IReadOnlySet<string> TrustedKeyIds(string directory)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*.pem"))
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(file));
            ids.Add(KeyIdOf(key.ExportSubjectPublicKeyInfo()));
        }
        return ids;
    }
}
