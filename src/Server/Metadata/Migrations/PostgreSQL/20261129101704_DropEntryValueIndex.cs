using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class DropEntryValueIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_cache_entries_value_digest",
                table: "cache_entries");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_cache_entries_value_digest",
                table: "cache_entries",
                column: "value_digest");
        }
    }
}
