using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CacheRegistry.Server.Configuration;
using CacheRegistry.Server.Metadata;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace CacheRegistry.Server.Dashboard.SignIn;

/// <summary>
/// Data Protection's key ring in the metadata database, so that every replica reads the session cookies
/// and antiforgery tokens another one made. Each key is stored encrypted (<see cref="SigningKeyXmlEncryptor"/>).
/// </summary>
public sealed class DatabaseKeyRing(ProtectionKeyCatalog keys, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => keys.All().Select(xml => XElement.Parse(xml)).ToList();

    public void StoreElement(XElement element, string friendlyName) => keys.Add(friendlyName, element.ToString(SaveOptions.DisableFormatting), clock.GetUtcNow());
}

/// <summary>
/// Encrypts Data Protection keys at rest with AES-GCM under a key derived from the server's token signing
/// key (the secret every replica shares already): reading the database alone does not reveal them.
/// </summary>
public sealed class SigningKeyXmlEncryptor(AuthOptions auth) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(KeyRingSecret.Derive(auth), tag.Length)) aes.Encrypt(nonce, plaintext, ciphertext, tag);
        var element = new XElement("encryptedKey", new XComment(" Encrypted with a key derived from CacheRegistry:Auth:SigningKey. "),
            new XElement("value", Convert.ToBase64String([.. nonce, .. tag, .. ciphertext])));
        return new EncryptedXmlInfo(element, typeof(SigningKeyXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="SigningKeyXmlEncryptor"/> encrypted (created by Data Protection through its service provider).</summary>
public sealed class SigningKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var bytes = Convert.FromBase64String(encryptedElement.Element("value")?.Value ?? throw new CryptographicException("no encrypted value"));
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        var plaintext = new byte[bytes.Length - nonceSize - tagSize];
        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        using (var aes = new AesGcm(KeyRingSecret.Derive(auth), tagSize))
        {
            aes.Decrypt(bytes.AsSpan(0, nonceSize), bytes.AsSpan(nonceSize + tagSize), bytes.AsSpan(nonceSize, tagSize), plaintext);
        }
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}

internal static class KeyRingSecret
{
    public static byte[] Derive(AuthOptions auth) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(auth.SigningKey ?? ""), 32, salt: [], info: "CacheRegistry data protection key ring"u8.ToArray());
}
