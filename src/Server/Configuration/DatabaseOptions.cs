using System.ComponentModel;

namespace CacheRegistry.Server.Configuration;

public enum DatabaseProvider { Sqlite, PostgreSQL }

/// <summary>"CacheRegistry:Database": where the metadata lives.</summary>
public sealed class DatabaseOptions : IValidatedOptions
{
    public const string Section = CacheRegistryOptions.Section + ":Database";

    [Description("Sqlite (embedded, one server) or PostgreSQL (several replicas).")]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    [Description("Required for PostgreSQL; for SQLite, a file in the data directory by default.")]
    public string? ConnectionString { get; set; }

    [Description("Apply pending migrations when the server starts; turn off when a deploy job runs `migrate`.")]
    public bool MigrateOnStartup { get; set; } = true;

    public void Check(SettingsCheck check)
    {
        if (Provider == DatabaseProvider.PostgreSQL) check.Required(nameof(ConnectionString), ConnectionString, "when the provider is PostgreSQL");
    }
}
