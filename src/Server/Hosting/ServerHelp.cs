using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text;
using CacheRegistry.Server.Configuration;

namespace CacheRegistry.Server.Hosting;

/// <summary>What `--help` and `--version` print: the settings (from the options classes themselves) and the build.</summary>
public static class ServerHelp
{
    private static readonly (string Key, string Default, string Meaning)[] HostSettings =
    [
        ("Urls", "http://127.0.0.1:5080", "Where to listen (semicolon-separated). Use 0.0.0.0 to listen on every interface."),
        ("Kestrel:Endpoints:Https:Url, :Certificate:Path, :Certificate:KeyPath", "", "An HTTPS endpoint from PEM (or PFX with :Certificate:Password) files."),
        ("Logging:Console:FormatterName", "simple", "json for structured logs."),
    ];

    public static string VersionLine
    {
        get
        {
            var version = typeof(ServerHelp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            var plus = version.IndexOf('+');
            return plus < 0 ? $"CacheRegistry server {version} (commit unknown)" : $"CacheRegistry server {version[..plus]} (commit {version[(plus + 1)..]})";
        }
    }

    public static string Text()
    {
        var text = new StringBuilder();
        text.AppendLine(VersionLine).AppendLine();
        text.AppendLine("Usage: CacheRegistry.Server [migrate] [--<setting>=<value> ...]");
        text.AppendLine("  (no arguments)  serve; with no settings at all: SQLite and the filesystem under ./data, on http://127.0.0.1:5080, auth off");
        text.AppendLine("  migrate         apply database migrations and exit");
        text.AppendLine("  --help          this text;  --version  the version and commit");
        text.AppendLine();
        text.AppendLine("Settings come from appsettings.json beside the server, environment variables (':' written as '__')");
        text.AppendLine("and the command line (--CacheRegistry:Gc:Interval=00:10:00). Sizes take units (64GiB, 500MB);");
        text.AppendLine("times are hh:mm:ss or d.hh:mm:ss. An invalid setting stops the server at start with a line naming it.");
        text.AppendLine();
        foreach (var (key, defaultValue, meaning) in HostSettings) Append(text, key, defaultValue, meaning);
        foreach (var (section, type) in CacheRegistrySettings.Sections) AppendSection(text, section, type, Activator.CreateInstance(type)!);
        return text.ToString();
    }

    private static void AppendSection(StringBuilder text, string section, Type type, object defaults)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{section}:{property.Name}";
            var value = property.GetValue(defaults);
            if (value is IValidatedOptions nested && property.GetCustomAttribute<DescriptionAttribute>() is null)
            {
                AppendSection(text, key, property.PropertyType, nested);
                continue;
            }
            Append(text, key, Format(value), property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "");
        }
    }

    private static void Append(StringBuilder text, string key, string defaultValue, string meaning)
    {
        text.Append("  ").Append(key).Append("  [env: ").Append(key.Split(',')[0].Replace(":", "__")).Append(']');
        if (defaultValue.Length > 0) text.Append("  default: ").Append(defaultValue);
        text.AppendLine();
        if (meaning.Length > 0) text.Append("      ").AppendLine(meaning);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        ICollection { Count: 0 } => "",
        ByteSize size => size.Bytes == 0 ? "0 (none)" : size.ToString(),
        _ => value.ToString() ?? "",
    };
}
