using System.Text;
using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CacheRegistry.Tests.Unit;

/// <summary>
/// The server runs on the compiled models in Metadata/CompiledModels (EF Core finds them by their
/// assembly attribute), so a model change that is not followed by tools/migrations/add-migration.sh
/// (which regenerates them) would run on a stale model: this says so.
/// </summary>
public sealed class CompiledModelTests
{
    public static TheoryData<string> Providers => ["Sqlite", "PostgreSQL"];

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_compiled_model_is_the_model_OnModelCreating_builds(string provider)
    {
        using var db = provider == "Sqlite"
            ? (CacheDbContext)new SqliteCacheDbContext(new DbContextOptionsBuilder<SqliteCacheDbContext>().UseSqlite("Data Source=:memory:").Options)
            : new PostgresCacheDbContext(new DbContextOptionsBuilder<PostgresCacheDbContext>().UseNpgsql("Host=localhost").Options);
        var built = db.GetService<IDesignTimeModel>().Model;

        Assert.NotSame(built, db.Model);
        Assert.Equal(Describe(built), Describe(db.Model));
    }

    // Everything a query or a write depends on: tables, columns and their types, keys, indexes, relationships.
    private static string Describe(IModel model)
    {
        var text = new StringBuilder();
        foreach (var entity in model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.AppendLine($"{entity.Name} -> {entity.GetTableName()}");
            foreach (var property in entity.GetProperties())
            {
                var mapping = property.GetRelationalTypeMapping();
                text.AppendLine($"  {property.Name}: {property.ClrType.Name} -> {property.GetColumnName()} {mapping.StoreType} " +
                    $"null={property.IsNullable} max={property.GetMaxLength()} converter={mapping.Converter?.GetType().Name} generated={property.ValueGenerated}");
            }
            foreach (var key in entity.GetKeys()) text.AppendLine($"  key {key.GetName()} ({string.Join(", ", key.Properties.Select(p => p.Name))}) primary={key.IsPrimaryKey()}");
            foreach (var index in entity.GetIndexes()) text.AppendLine($"  index {index.GetDatabaseName()} ({string.Join(", ", index.Properties.Select(p => p.Name))}) unique={index.IsUnique}");
            foreach (var fk in entity.GetForeignKeys())
            {
                text.AppendLine($"  fk {fk.GetConstraintName()} ({string.Join(", ", fk.Properties.Select(p => p.Name))}) -> {fk.PrincipalEntityType.Name} {fk.DeleteBehavior}");
            }
        }
        return text.ToString();
    }
}
