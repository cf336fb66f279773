#!/usr/bin/env bash
# Publishes the server to $1 (default: ./publish). The Dockerfile runs exactly this, and CI runs it and
# smoke-tests the result, so what the image contains is what was tested.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-publish}
dotnet publish src/Server/CacheRegistry.Server.csproj --configuration Release --output "$out" -p:UseAppHost=false
