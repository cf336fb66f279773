using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CacheRegistry.Cli.Output;

/// <summary>
/// How --json output is written: camelCase, indented, one document per command on stdout, nothing
/// else on stdout. The shapes are the records in <see cref="JsonDocuments"/>, documented in the README
/// and kept stable (fields are added, never renamed or removed).
/// </summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static void Write(TextWriter output, object document) => output.WriteLine(JsonSerializer.Serialize(document, document.GetType(), Options));
}
