#!/usr/bin/env bash
# The REAPI gRPC door against its HTTP equivalents, on one server: the embedded default (SQLite +
# filesystem), Release build published as deploy/publish.sh does, on free 127.0.0.1 ports (HTTP and
# plaintext gRPC). bench/ReapiBench stores the blobs over HTTP, checks every answer, and prints a
# Markdown table (median and p90 in ms, and gRPC ÷ HTTP):
#   FindMissingBlobs of 10,000 digests (half present)  against  POST /{ns}/api/v1/cas/find-missing
#   BatchReadBlobs of 1,000 blobs of 1 KiB              against  1,000 GET /{ns}/cas/{digest}, 32 concurrent
#   bench/reapi.sh        (REPS=20 WARMUP=3 CONCURRENCY=32 FIND_DIGESTS=10000 BLOBS=1000 BLOB_SIZE=1024 to change them)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "bench/reapi.sh: $*" >&2; }

# What it needs beyond the .NET SDK, on a fresh Debian 12.
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/cacheregistry-reapi-bench.XXXXXX)
server_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$work/server.log" ]; then
    echo "--- last lines of the server's log" >&2; tail -n 20 "$work/server.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log "publishing the server (deploy/publish.sh, Release) and building bench/ReapiBench (Release)"
./deploy/publish.sh "$work/server" > "$work/publish.log" 2>&1 || { tail -n 30 "$work/publish.log" >&2; log "deploy/publish.sh failed"; exit 1; }
dotnet build bench/ReapiBench -c Release -v quiet -nologo > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; log "building bench/ReapiBench failed"; exit 1; }

http_port=$(free_port)
grpc_port=$(free_port)
while [ "$grpc_port" = "$http_port" ]; do grpc_port=$(free_port); done
log "starting the server: HTTP 127.0.0.1:$http_port, gRPC 127.0.0.1:$grpc_port"
CacheRegistry__DataDirectory="$work/data" Urls="http://127.0.0.1:$http_port" CacheRegistry__Grpc__Url="http://127.0.0.1:$grpc_port" \
  Logging__LogLevel__Default=Warning dotnet "$work/server/CacheRegistry.Server.dll" >> "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited"; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" || { log "the server did not become ready in 60 s"; exit 1; }

dotnet bench/ReapiBench/bin/Release/net10.0/ReapiBench.dll "http://127.0.0.1:$http_port" "http://127.0.0.1:$grpc_port"
