using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class EntryValueSize : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "value_size",
                table: "cache_entries",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Entries written before: their values' sizes from the blob rows.
            migrationBuilder.Sql(@"UPDATE cache_entries SET value_size = COALESCE((SELECT b.size FROM blobs b WHERE b.digest = cache_entries.value_digest), 0);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "value_size",
                table: "cache_entries");
        }
    }
}
