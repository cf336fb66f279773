using CacheRegistry.Server.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

// Used only by `dotnet ef` to build each provider's model; no database is contacted.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCacheDbContext>
{
    public SqliteCacheDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCacheDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCacheDbContext>
{
    public PostgresCacheDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCacheDbContext>().UseNpgsql("Host=localhost").Options);
}

public static class Program
{
    public static void Main() { }
}
