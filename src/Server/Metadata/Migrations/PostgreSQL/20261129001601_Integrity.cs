using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class Integrity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_cache_entries_blobs_value_digest",
                table: "cache_entries");

            migrationBuilder.DropForeignKey(
                name: "FK_namespace_blobs_blobs_digest",
                table: "namespace_blobs");

            migrationBuilder.AlterColumn<string>(
                name: "value_digest",
                table: "cache_entries",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(64)");

            migrationBuilder.AddColumn<int>(
                name: "reference_count",
                table: "cache_entries",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "storage_key",
                table: "blobs",
                type: "character varying(160)",
                maxLength: 160,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "artifact_files",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    digest = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_artifact_files", x => new { x.@namespace, x.name, x.version, x.path });
                    table.ForeignKey(
                        name: "FK_artifact_files_artifact_versions_namespace_name_version",
                        columns: x => new { x.@namespace, x.name, x.version },
                        principalTable: "artifact_versions",
                        principalColumns: new[] { "namespace", "name", "version" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "metadata_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    key = table.Column<string>(type: "character varying(275)", maxLength: 275, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metadata_changes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "storage_binding",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    storage_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    description = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_binding", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_artifact_files_namespace_digest",
                table: "artifact_files",
                columns: new[] { "namespace", "digest" });

            migrationBuilder.CreateIndex(
                name: "IX_metadata_changes_at",
                table: "metadata_changes",
                column: "at");

            // Data written before these constraints: every blob gets the key its object already has; an
            // entry's value becomes one of its references; entries naming blobs their namespace lacks are
            // dropped (they pointed at nothing); artifact files become pins.
            migrationBuilder.Sql(@"UPDATE blobs SET storage_key = 'cas/' || substr(digest, 1, 2) || '/' || digest || CASE WHEN encoding = 'Zstd' THEN '.zst' ELSE '' END WHERE size > 0;");
            migrationBuilder.Sql(@"INSERT INTO blobs (digest, size, stored_size, encoding, storage_key, created_at, last_access_at, hit_count)
                VALUES ('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0, 0, 'Identity', '', now(), now(), 0) ON CONFLICT (digest) DO NOTHING;");
            migrationBuilder.Sql(@"INSERT INTO entry_references (""namespace"", kind, ""key"", digest)
                SELECT ""namespace"", kind, ""key"", value_digest FROM cache_entries WHERE value_digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' ON CONFLICT DO NOTHING;");
            migrationBuilder.Sql(@"DELETE FROM cache_entries WHERE (""namespace"", kind, ""key"") IN (SELECT r.""namespace"", r.kind, r.""key"" FROM entry_references r
                WHERE r.digest <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND NOT EXISTS (SELECT 1 FROM namespace_blobs g WHERE g.""namespace"" = r.""namespace"" AND g.digest = r.digest));");
            migrationBuilder.Sql(@"DELETE FROM entry_references WHERE digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
                OR NOT EXISTS (SELECT 1 FROM namespace_blobs g WHERE g.""namespace"" = entry_references.""namespace"" AND g.digest = entry_references.digest);");
            migrationBuilder.Sql(@"UPDATE cache_entries SET reference_count = (SELECT COUNT(*) FROM entry_references r
                WHERE r.""namespace"" = cache_entries.""namespace"" AND r.kind = cache_entries.kind AND r.""key"" = cache_entries.""key"");");
            migrationBuilder.Sql(@"INSERT INTO artifact_files (""namespace"", name, version, path, digest)
                SELECT v.""namespace"", v.name, v.version, f ->> 'path', f ->> 'digest'
                FROM artifact_versions v, jsonb_array_elements(v.manifest::jsonb -> 'files') f WHERE f ->> 'digest' <> 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';");

            migrationBuilder.AddForeignKey(
                name: "FK_entry_references_namespace_blobs_namespace_digest",
                table: "entry_references",
                columns: new[] { "namespace", "digest" },
                principalTable: "namespace_blobs",
                principalColumns: new[] { "namespace", "digest" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_namespace_blobs_blobs_digest",
                table: "namespace_blobs",
                column: "digest",
                principalTable: "blobs",
                principalColumn: "digest",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_entry_references_namespace_blobs_namespace_digest",
                table: "entry_references");

            migrationBuilder.DropForeignKey(
                name: "FK_namespace_blobs_blobs_digest",
                table: "namespace_blobs");

            migrationBuilder.DropTable(
                name: "artifact_files");

            migrationBuilder.DropTable(
                name: "metadata_changes");

            migrationBuilder.DropTable(
                name: "storage_binding");

            migrationBuilder.DropColumn(
                name: "reference_count",
                table: "cache_entries");

            migrationBuilder.DropColumn(
                name: "storage_key",
                table: "blobs");

            migrationBuilder.AlterColumn<string>(
                name: "value_digest",
                table: "cache_entries",
                type: "character varying(64)",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddForeignKey(
                name: "FK_cache_entries_blobs_value_digest",
                table: "cache_entries",
                column: "value_digest",
                principalTable: "blobs",
                principalColumn: "digest",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_namespace_blobs_blobs_digest",
                table: "namespace_blobs",
                column: "digest",
                principalTable: "blobs",
                principalColumn: "digest",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
