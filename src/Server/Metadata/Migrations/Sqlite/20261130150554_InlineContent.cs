using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InlineContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "content",
                table: "blobs",
                type: "BLOB",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "content",
                table: "blobs");
        }
    }
}
