#!/usr/bin/env bash
# Publishes the server to $1 (default: ./publish). The Dockerfile runs exactly this, and CI runs it and
# smoke-tests the result, so what the image contains is what was tested.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-publish}
# ReadyToRun: the app's assemblies (EF Core, OpenTelemetry, ours) are compiled ahead of time for this
# machine's runtime identifier, so a fresh server starts sooner and answers at speed without a JIT warm-up.
dotnet publish src/Server/CacheRegistry.Server.csproj --configuration Release --output "$out" -p:UseAppHost=false \
  --use-current-runtime --self-contained false -p:PublishReadyToRun=true
