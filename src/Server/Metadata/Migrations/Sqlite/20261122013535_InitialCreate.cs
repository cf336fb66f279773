using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CacheRegistry.Server.Metadata.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "artifact_tags",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    tag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    version = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_artifact_tags", x => new { x.@namespace, x.name, x.tag });
                });

            migrationBuilder.CreateTable(
                name: "artifact_versions",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    version = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    full_version = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    is_prerelease = table.Column<bool>(type: "INTEGER", nullable: false),
                    manifest_digest = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    manifest = table.Column<string>(type: "TEXT", nullable: false),
                    signatures = table.Column<string>(type: "TEXT", nullable: false),
                    yanked = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    publisher = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    total_size = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_artifact_versions", x => new { x.@namespace, x.name, x.version });
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    at = table.Column<long>(type: "INTEGER", nullable: false),
                    actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: true),
                    target = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "blobs",
                columns: table => new
                {
                    digest = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    stored_size = table.Column<long>(type: "INTEGER", nullable: false),
                    encoding = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_access_at = table.Column<long>(type: "INTEGER", nullable: false),
                    hit_count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_blobs", x => x.digest);
                });

            migrationBuilder.CreateTable(
                name: "issued_tokens",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    scopes = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false),
                    revoked_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_issued_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    holder = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_leases", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "upload_sessions",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_upload_sessions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "cache_entries",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    value_digest = table.Column<string>(type: "TEXT", nullable: false),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_access_at = table.Column<long>(type: "INTEGER", nullable: false),
                    hit_count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cache_entries", x => new { x.@namespace, x.kind, x.key });
                    table.ForeignKey(
                        name: "FK_cache_entries_blobs_value_digest",
                        column: x => x.value_digest,
                        principalTable: "blobs",
                        principalColumn: "digest",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "namespace_blobs",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    digest = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_namespace_blobs", x => new { x.@namespace, x.digest });
                    table.ForeignKey(
                        name: "FK_namespace_blobs_blobs_digest",
                        column: x => x.digest,
                        principalTable: "blobs",
                        principalColumn: "digest",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "upload_parts",
                columns: table => new
                {
                    session_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    number = table.Column<int>(type: "INTEGER", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_upload_parts", x => new { x.session_id, x.number });
                    table.ForeignKey(
                        name: "FK_upload_parts_upload_sessions_session_id",
                        column: x => x.session_id,
                        principalTable: "upload_sessions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "entry_references",
                columns: table => new
                {
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    digest = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_entry_references", x => new { x.@namespace, x.kind, x.key, x.digest });
                    table.ForeignKey(
                        name: "FK_entry_references_cache_entries_namespace_kind_key",
                        columns: x => new { x.@namespace, x.kind, x.key },
                        principalTable: "cache_entries",
                        principalColumns: new[] { "namespace", "kind", "key" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_at",
                table: "audit_events",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "IX_blobs_last_access_at",
                table: "blobs",
                column: "last_access_at");

            migrationBuilder.CreateIndex(
                name: "IX_cache_entries_last_access_at",
                table: "cache_entries",
                column: "last_access_at");

            migrationBuilder.CreateIndex(
                name: "IX_cache_entries_value_digest",
                table: "cache_entries",
                column: "value_digest");

            migrationBuilder.CreateIndex(
                name: "IX_entry_references_namespace_digest",
                table: "entry_references",
                columns: new[] { "namespace", "digest" });

            migrationBuilder.CreateIndex(
                name: "IX_issued_tokens_revoked_at",
                table: "issued_tokens",
                column: "revoked_at");

            migrationBuilder.CreateIndex(
                name: "IX_namespace_blobs_digest",
                table: "namespace_blobs",
                column: "digest");

            migrationBuilder.CreateIndex(
                name: "IX_upload_sessions_expires_at",
                table: "upload_sessions",
                column: "expires_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "artifact_tags");

            migrationBuilder.DropTable(
                name: "artifact_versions");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "entry_references");

            migrationBuilder.DropTable(
                name: "issued_tokens");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.DropTable(
                name: "namespace_blobs");

            migrationBuilder.DropTable(
                name: "upload_parts");

            migrationBuilder.DropTable(
                name: "cache_entries");

            migrationBuilder.DropTable(
                name: "upload_sessions");

            migrationBuilder.DropTable(
                name: "blobs");
        }
    }
}
