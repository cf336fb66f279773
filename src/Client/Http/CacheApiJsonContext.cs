using System.Text.Json;
using System.Text.Json.Serialization;
using CacheRegistry.Common.Api;

namespace CacheRegistry.Client.Http;

/// <summary>JSON metadata for the API's contracts, generated at build time; camelCase like the server.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FindMissingRequest))]
[JsonSerializable(typeof(FindMissingResponse))]
[JsonSerializable(typeof(BlobInfo))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(ArtifactVersionInfo))]
[JsonSerializable(typeof(Page<ArtifactVersionInfo>))]
[JsonSerializable(typeof(Page<ArtifactSummary>))]
[JsonSerializable(typeof(TagRequest))]
[JsonSerializable(typeof(YankRequest))]
[JsonSerializable(typeof(UploadSessionInfo))]
[JsonSerializable(typeof(CompleteUploadRequest))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(IReadOnlyList<TokenInfo>))]
[JsonSerializable(typeof(StorageStats))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CacheApiJsonContext : JsonSerializerContext;
