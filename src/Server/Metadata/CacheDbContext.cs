using System.Text;
using CacheRegistry.Server.Core.Entries;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CacheRegistry.Server.Metadata;

/// <summary>
/// The metadata model. Each database provider has a subclass so that each keeps its own migrations
/// (SQL types differ); the model itself is defined once, here. Only the catalogs use it.
/// </summary>
internal abstract class CacheDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<BlobRecord> Blobs => Set<BlobRecord>();

    public DbSet<NamespaceBlob> NamespaceBlobs => Set<NamespaceBlob>();

    public DbSet<CacheEntry> CacheEntries => Set<CacheEntry>();

    public DbSet<EntryReference> EntryReferences => Set<EntryReference>();

    public DbSet<IssuedToken> IssuedTokens => Set<IssuedToken>();

    public DbSet<AuditEventRow> AuditEvents => Set<AuditEventRow>();

    public DbSet<ArtifactVersion> ArtifactVersions => Set<ArtifactVersion>();

    public DbSet<ArtifactFileRow> ArtifactFiles => Set<ArtifactFileRow>();

    public DbSet<ArtifactTag> ArtifactTags => Set<ArtifactTag>();

    public DbSet<UploadSession> UploadSessions => Set<UploadSession>();

    public DbSet<UploadPart> UploadParts => Set<UploadPart>();

    public DbSet<Lease> Leases => Set<Lease>();

    public DbSet<MetadataChange> MetadataChanges => Set<MetadataChange>();

    public DbSet<StorageBinding> StorageBindings => Set<StorageBinding>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<BlobRecord>(blob =>
        {
            blob.ToTable("blobs");
            blob.HasKey(b => b.Digest);
            blob.Property(b => b.Digest).HasMaxLength(64);
            blob.Property(b => b.Encoding).HasConversion<string>().HasMaxLength(16);
            blob.Property(b => b.StorageKey).HasMaxLength(160);
            blob.HasIndex(b => b.LastAccessAt);
        });
        model.Entity<NamespaceBlob>(grant =>
        {
            grant.ToTable("namespace_blobs");
            grant.HasKey(v => new { v.Namespace, v.Digest });
            grant.Property(v => v.Namespace).HasMaxLength(64);
            // Restrict, not cascade: deleting a blob row must fail while any namespace still holds it,
            // so a grant racing a delete keeps the blob instead of being cascaded away.
            grant.HasOne<BlobRecord>().WithMany().HasForeignKey(v => v.Digest).OnDelete(DeleteBehavior.Restrict);
            grant.HasIndex(v => v.Digest);
        });
        model.Entity<CacheEntry>(entry =>
        {
            entry.ToTable("cache_entries");
            entry.HasKey(e => new { e.Namespace, e.Kind, e.Key });
            entry.Property(e => e.Namespace).HasMaxLength(64);
            entry.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
            entry.Property(e => e.Key).HasMaxLength(CacheEntry.MaxKeyLength);
            entry.HasIndex(e => e.LastAccessAt);
        });
        model.Entity<EntryReference>(reference =>
        {
            reference.ToTable("entry_references");
            reference.HasKey(r => new { r.Namespace, r.Kind, r.Key, r.Digest });
            reference.Property(r => r.Namespace).HasMaxLength(64);
            reference.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
            reference.Property(r => r.Key).HasMaxLength(CacheEntry.MaxKeyLength);
            reference.Property(r => r.Digest).HasMaxLength(64);
            reference.HasIndex(r => new { r.Namespace, r.Digest });
            reference.HasOne<CacheEntry>().WithMany().HasForeignKey(r => new { r.Namespace, r.Kind, r.Key }).OnDelete(DeleteBehavior.Cascade);
            reference.HasOne<NamespaceBlob>().WithMany().HasForeignKey(r => new { r.Namespace, r.Digest }).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<IssuedToken>(token =>
        {
            token.ToTable("issued_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Id).HasMaxLength(64);
            token.Property(t => t.Name).HasMaxLength(128);
            token.Property(t => t.Scopes).HasMaxLength(4096);
            token.Property(t => t.CreatedBy).HasMaxLength(256);
            token.HasIndex(t => t.RevokedAt);
        });
        model.Entity<AuditEventRow>(audit =>
        {
            audit.ToTable("audit_events");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Actor).HasMaxLength(256);
            audit.Property(a => a.Action).HasMaxLength(128);
            audit.Property(a => a.Namespace).HasMaxLength(64);
            audit.Property(a => a.Target).HasMaxLength(512);
            audit.HasIndex(a => a.At);
        });

        model.Entity<ArtifactVersion>(version =>
        {
            version.ToTable("artifact_versions");
            version.HasKey(v => new { v.Namespace, v.Name, v.Version });
            version.Property(v => v.Namespace).HasMaxLength(64);
            version.Property(v => v.Name).HasMaxLength(100);
            version.Property(v => v.Version).HasMaxLength(128);
            version.Property(v => v.FullVersion).HasMaxLength(256);
            version.Property(v => v.ManifestDigest).HasMaxLength(64);
            version.Property(v => v.Publisher).HasMaxLength(256);
        });
        model.Entity<ArtifactFileRow>(file =>
        {
            file.ToTable("artifact_files");
            file.HasKey(f => new { f.Namespace, f.Name, f.Version, f.Path });
            file.Property(f => f.Namespace).HasMaxLength(64);
            file.Property(f => f.Name).HasMaxLength(100);
            file.Property(f => f.Version).HasMaxLength(128);
            file.Property(f => f.Path).HasMaxLength(1024);
            file.Property(f => f.Digest).HasMaxLength(64);
            file.HasIndex(f => new { f.Namespace, f.Digest });
            file.HasOne<ArtifactVersion>().WithMany().HasForeignKey(f => new { f.Namespace, f.Name, f.Version }).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<ArtifactTag>(tag =>
        {
            tag.ToTable("artifact_tags");
            tag.HasKey(t => new { t.Namespace, t.Name, t.Tag });
            tag.Property(t => t.Namespace).HasMaxLength(64);
            tag.Property(t => t.Name).HasMaxLength(100);
            tag.Property(t => t.Tag).HasMaxLength(64);
            tag.Property(t => t.Version).HasMaxLength(128);
        });
        model.Entity<UploadSession>(session =>
        {
            session.ToTable("upload_sessions");
            session.HasKey(u => u.Id);
            session.Property(u => u.Id).HasMaxLength(32);
            session.Property(u => u.Namespace).HasMaxLength(64);
            session.HasIndex(u => u.ExpiresAt);
        });
        model.Entity<UploadPart>(part =>
        {
            part.ToTable("upload_parts");
            part.HasKey(p => new { p.SessionId, p.Number });
            part.Property(p => p.SessionId).HasMaxLength(32);
            part.HasOne<UploadSession>().WithMany().HasForeignKey(p => p.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<Lease>(lease =>
        {
            lease.ToTable("leases");
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasMaxLength(64);
            lease.Property(l => l.Holder).HasMaxLength(256);
        });
        model.Entity<MetadataChange>(change =>
        {
            change.ToTable("metadata_changes");
            change.HasKey(c => c.Id);
            change.Property(c => c.Namespace).HasMaxLength(64);
            change.Property(c => c.Kind).HasMaxLength(16);
            change.Property(c => c.Key).HasMaxLength(CacheEntry.MaxKeyLength + 20);
            change.HasIndex(c => c.At);
        });
        model.Entity<StorageBinding>(binding =>
        {
            binding.ToTable("storage_binding");
            binding.HasKey(b => b.Id);
            binding.Property(b => b.Id).ValueGeneratedNever();
            binding.Property(b => b.StorageId).HasMaxLength(64);
            binding.Property(b => b.Description).HasMaxLength(1024);
        });

        DashboardModel.Configure(model);

        foreach (var property in model.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
        {
            property.SetColumnName(ToSnakeCase(property.Name));
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) result.Append('_');
            result.Append(char.ToLowerInvariant(name[i]));
        }
        return result.ToString();
    }
}

internal sealed class SqliteCacheDbContext(DbContextOptions<SqliteCacheDbContext> options) : CacheDbContext(options)
{
    // SQLite has no timestamp type that sorts and compares correctly with offsets; store UTC ticks instead.
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
}

internal sealed class PostgresCacheDbContext(DbContextOptions<PostgresCacheDbContext> options) : CacheDbContext(options);
