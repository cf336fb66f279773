using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ValueWithoutReference : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An entry's value is held through its namespace's grant from now on, not a reference: each entry's
            // reference to its value goes, and its count with it.
            migrationBuilder.Sql(@"UPDATE cache_entries SET reference_count = reference_count - 1 WHERE EXISTS (SELECT 1 FROM entry_references r
                WHERE r.""namespace"" = cache_entries.""namespace"" AND r.kind = cache_entries.kind AND r.""key"" = cache_entries.""key"" AND r.digest = cache_entries.value_digest);");
            migrationBuilder.Sql(@"DELETE FROM entry_references WHERE digest = (SELECT e.value_digest FROM cache_entries e
                WHERE e.""namespace"" = entry_references.""namespace"" AND e.kind = entry_references.kind AND e.""key"" = entry_references.""key"");");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Every entry with a value counted a reference to it; the reference is there while the namespace holds the value.
            migrationBuilder.Sql(@"UPDATE cache_entries SET reference_count = reference_count + 1 WHERE value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
                AND NOT EXISTS (SELECT 1 FROM entry_references r WHERE r.""namespace"" = cache_entries.""namespace"" AND r.kind = cache_entries.kind
                    AND r.""key"" = cache_entries.""key"" AND r.digest = cache_entries.value_digest);");
            migrationBuilder.Sql(@"INSERT INTO entry_references (""namespace"", kind, ""key"", digest)
                SELECT e.""namespace"", e.kind, e.""key"", e.value_digest FROM cache_entries e WHERE e.value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
                    AND EXISTS (SELECT 1 FROM namespace_blobs g WHERE g.""namespace"" = e.""namespace"" AND g.digest = e.value_digest)
                ON CONFLICT DO NOTHING;");
        }
    }
}
