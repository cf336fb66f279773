using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class ValueWithoutReference : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An entry's value is held through its namespace's grant from now on, not a reference: each entry's
            // reference to its value goes, and its count with it, in one statement (a replica of the release before
            // may write entries meanwhile).
            migrationBuilder.Sql(@"WITH dropped AS (
                    DELETE FROM entry_references r USING cache_entries e
                    WHERE e.""namespace"" = r.""namespace"" AND e.kind = r.kind AND e.""key"" = r.""key"" AND r.digest = e.value_digest
                    RETURNING r.""namespace"", r.kind, r.""key"")
                UPDATE cache_entries c SET reference_count = c.reference_count - 1 FROM dropped d
                WHERE c.""namespace"" = d.""namespace"" AND c.kind = d.kind AND c.""key"" = d.""key"";");
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
