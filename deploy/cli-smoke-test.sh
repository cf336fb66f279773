#!/usr/bin/env bash
# Packs the `cache` tool, installs it into a temporary tool path as a user would, and uses it against a
# published server ($1, from deploy/publish.sh) started on the embedded default at a free loopback
# port: `cache --version` names a version and a commit, and a blob goes up and comes back the same.
set -euo pipefail
published=$(cd "${1:?usage: deploy/cli-smoke-test.sh PUBLISH_DIR}" && pwd)
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

dotnet pack src/Cli --configuration Release --output "$work/packages" >/dev/null
# A private package folder: an earlier install of the same version must not stand in for this build.
NUGET_PACKAGES="$work/nuget" dotnet tool install CacheRegistry.Cli --tool-path "$work/tools" --add-source "$work/packages" >/dev/null
version=$("$work/tools/cache" --version)
echo "$version"
[[ "$version" =~ ^cache\ [0-9]+\.[0-9]+\.[0-9]+.*\ \(commit\ [0-9a-f]{40}\)$ ]] || { echo "unexpected: $version" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CacheRegistry__DataDirectory="$work/data" Urls="http://127.0.0.1:$port" dotnet "$published/CacheRegistry.Server.dll" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

export CACHE_SERVER="http://127.0.0.1:$port"
head -c 300000 /dev/urandom >"$work/blob"
digest=$("$work/tools/cache" blob put "$work/blob" | cut -d' ' -f1)
test "$digest" = "$(sha256sum "$work/blob" | cut -c1-64)"
"$work/tools/cache" blob get "$digest" -o "$work/copy"
cmp "$work/blob" "$work/copy"
echo "CLI smoke test passed: the installed tool round-tripped a blob through a published server"
