using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class Dashboard : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "gc_passes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    replica = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    evicted_blobs = table.Column<long>(type: "bigint", nullable: false),
                    evicted_entries = table.Column<long>(type: "bigint", nullable: false),
                    freed_bytes = table.Column<long>(type: "bigint", nullable: false),
                    deleted_objects = table.Column<long>(type: "bigint", nullable: false),
                    orphan_objects = table.Column<long>(type: "bigint", nullable: false),
                    repaired_blobs = table.Column<long>(type: "bigint", nullable: false),
                    removed_incomplete_entries = table.Column<long>(type: "bigint", nullable: false),
                    expired_uploads = table.Column<long>(type: "bigint", nullable: false),
                    evictions = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_gc_passes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "metric_rollups",
                columns: table => new
                {
                    step = table.Column<int>(type: "integer", nullable: false),
                    bucket = table.Column<long>(type: "bigint", nullable: false),
                    replica = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    metric = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    protocol = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "character varying(64)", maxLength: 64, nullable: false),
                    label = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_rollups", x => new { x.step, x.bucket, x.replica, x.metric, x.protocol, x.@namespace, x.label });
                });

            migrationBuilder.CreateTable(
                name: "protection_keys",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    xml = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_protection_keys", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "recent_misses",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "character varying(64)", maxLength: 64, nullable: false),
                    protocol = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_recent_misses", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_gc_passes_started_at",
                table: "gc_passes",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "IX_metric_rollups_bucket",
                table: "metric_rollups",
                column: "bucket");

            migrationBuilder.CreateIndex(
                name: "IX_recent_misses_namespace_at",
                table: "recent_misses",
                columns: new[] { "namespace", "at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "gc_passes");

            migrationBuilder.DropTable(
                name: "metric_rollups");

            migrationBuilder.DropTable(
                name: "protection_keys");

            migrationBuilder.DropTable(
                name: "recent_misses");
        }
    }
}
