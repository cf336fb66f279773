#!/usr/bin/env bash
# Adds a migration named $1 for both database providers (SQLite and PostgreSQL), and regenerates each
# provider's compiled model (Metadata/CompiledModels), which the server runs on: building the model at
# start took a fifth of a second (tests/CacheRegistry.Tests/Unit/CompiledModelTests fails while a compiled model is stale).
#
# EF Core Design needs Mono.TextTemplating and Microsoft.VisualStudio.SolutionPersistence, which the
# partial NuGet copy on our machines lacks. Neither is used when generating migrations (T4 templates
# and .sln parsing), so where they cannot be restored this script packs empty stand-ins into a local
# feed under obj/ and restores against it. Where nuget.org is complete, the stand-ins are never used.
set -euo pipefail
name=${1:?usage: tools/migrations/add-migration.sh MigrationName}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
feed="$here/obj/stub-feed"

if ! dotnet restore "$here/Migrations.Design.csproj" >/dev/null 2>&1; then
  mkdir -p "$feed"
  for spec in Mono.TextTemplating:3.0.0 Microsoft.VisualStudio.SolutionPersistence:1.0.52; do
    id=${spec%%:*}; version=${spec##*:}; dir="$here/obj/stubs/$id"
    mkdir -p "$dir"
    printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework><PackageId>%s</PackageId><Version>%s</Version><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally><TreatWarningsAsErrors>false</TreatWarningsAsErrors></PropertyGroup></Project>\n' "$id" "$version" > "$dir/stub.csproj"
    dotnet pack "$dir/stub.csproj" -o "$feed" >/dev/null
  done
  # A NuGet.Config beside the project adds the stand-in feed to the sources already configured (git-ignored).
  printf '<configuration><packageSources><add key="ef-design-stubs" value="%s" /></packageSources></configuration>\n' "$feed" > "$here/NuGet.Config"
  dotnet restore "$here/Migrations.Design.csproj" >/dev/null
fi

cd "$root"
dotnet tool restore >/dev/null
for pair in SqliteCacheDbContext:Sqlite PostgresCacheDbContext:PostgreSQL; do
  dotnet ef migrations add "$name" \
    --project src/Server/CacheRegistry.Server.csproj \
    --startup-project tools/migrations/Migrations.Design.csproj \
    --context "${pair%%:*}" --output-dir "Metadata/Migrations/${pair##*:}"
  dotnet ef dbcontext optimize \
    --project src/Server/CacheRegistry.Server.csproj \
    --startup-project tools/migrations/Migrations.Design.csproj \
    --context "${pair%%:*}" --output-dir "Metadata/CompiledModels/${pair##*:}" \
    --namespace "CacheRegistry.Server.Metadata.CompiledModels.${pair##*:}"
done
