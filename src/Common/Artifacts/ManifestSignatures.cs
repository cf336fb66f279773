using System.Security.Cryptography;
using CacheRegistry.Common.Hashing;

namespace CacheRegistry.Common.Artifacts;

/// <summary>A signature over a manifest digest, with the public key that checks it (trust is the verifier's call).</summary>
public sealed record ArtifactSignature(string KeyId, string Algorithm, string PublicKey, string Signature);

/// <summary>A key file cannot be used for signing or verifying; the message says why and how to make a usable one.</summary>
public sealed class SigningKeyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>ECDSA P-256 with SHA-256 over the canonical manifest; keys are PEM files (PKCS#8 private, SPKI public).</summary>
public static class ManifestSignatures
{
    public const string Algorithm = "ecdsa-p256-sha256";

    /// <summary>How to make a key pair, for messages.</summary>
    public const string KeyAdvice = "make one with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out signing.pem";

    public static ArtifactSignature Sign(ArtifactManifest manifest, string privateKeyPem)
    {
        using var key = LoadSigningKey(privateKeyPem, "the signing key");
        return Sign(manifest, key);
    }

    public static ArtifactSignature Sign(ArtifactManifest manifest, ECDsa key)
    {
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var signature = key.SignData(manifest.CanonicalJson(), HashAlgorithmName.SHA256);
        return new ArtifactSignature(KeyIdOf(publicKey), Algorithm, Convert.ToBase64String(publicKey), Convert.ToBase64String(signature));
    }

    /// <summary>An ECDSA P-256 private key from PEM text; anything else is a <see cref="SigningKeyException"/> naming <paramref name="source"/>.</summary>
    public static ECDsa LoadSigningKey(string pem, string source)
    {
        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new SigningKeyException($"{source} is encrypted; give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt -in {source} -out plain.pem)");
        }
        if (pem.Contains("RSA PRIVATE KEY", StringComparison.Ordinal)) throw new SigningKeyException($"{source} holds an RSA key; signatures use ECDSA P-256: {KeyAdvice}");
        if (!pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            var what = pem.Contains("PUBLIC KEY", StringComparison.Ordinal) ? "a public key; signing needs the private key" : "no PEM private key";
            throw new SigningKeyException($"{source} holds {what}: {KeyAdvice}");
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            key.ExportParameters(includePrivateParameters: true); // throws for a public key that looked private
            if (key.KeySize != 256) throw new SigningKeyException($"{source} holds an ECDSA key of {key.KeySize} bits; signatures use P-256: {KeyAdvice}");
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new SigningKeyException($"{source} is not an ECDSA P-256 private key (PKCS#8 PEM): {e.Message.TrimEnd('.')}; {KeyAdvice}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
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

    /// <summary>The ids of the public keys (SPKI PEM files, *.pem) in a directory; a file that is not one is a <see cref="SigningKeyException"/>.</summary>
    public static IReadOnlySet<string> TrustedKeyIds(string directory)
    {
        if (!Directory.Exists(directory)) throw new SigningKeyException($"{directory}: no such directory of trusted keys (*.pem public keys)");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*.pem").Order(StringComparer.Ordinal))
        {
            using var key = ECDsa.Create();
            try
            {
                key.ImportFromPem(File.ReadAllText(file));
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new SigningKeyException($"{file} is not an ECDSA public key (PEM): {e.Message.TrimEnd('.')}; make one with: openssl ec -in signing.pem -pubout -out {Path.GetFileName(file)}", e);
            }
            ids.Add(KeyIdOf(key.ExportSubjectPublicKeyInfo()));
        }
        if (ids.Count == 0) throw new SigningKeyException($"{directory} holds no *.pem public keys, so no signature could be trusted");
        return ids;
    }
}
