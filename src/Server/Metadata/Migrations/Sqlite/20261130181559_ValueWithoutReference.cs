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
            // An entry's value is held through its namespace's grant from now on, not a reference: every entry with a
            // value counted that value's reference once.
            migrationBuilder.Sql(@"UPDATE cache_entries SET reference_count = reference_count - 1 WHERE value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND reference_count > 0;");
            migrationBuilder.Sql(@"DELETE FROM entry_references WHERE digest = (SELECT e.value_digest FROM cache_entries e
                WHERE e.""namespace"" = entry_references.""namespace"" AND e.kind = entry_references.kind AND e.""key"" = entry_references.""key"");");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(@"INSERT INTO entry_references (""namespace"", kind, ""key"", digest)
                SELECT e.""namespace"", e.kind, e.""key"", e.value_digest FROM cache_entries e WHERE e.value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
                    AND EXISTS (SELECT 1 FROM namespace_blobs g WHERE g.""namespace"" = e.""namespace"" AND g.digest = e.value_digest)
                ON CONFLICT DO NOTHING;");
            migrationBuilder.Sql(@"UPDATE cache_entries SET reference_count = reference_count + 1 WHERE value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';");
        }
    }
}
