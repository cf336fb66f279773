#!/usr/bin/env bash
# Regenerates docs/dashboard.png, the README's picture of the dashboard's overview: starts the server
# from source (embedded default, auth off, a throwaway data directory, 127.0.0.1 only), sends it real
# traffic for a few minutes (blobs and keyed entries in three namespaces, with hits and misses), runs a
# garbage collection pass, and takes a screenshot with headless Chromium (Debian's `chromium`).
# Usage: tools/dashboard-screenshot.sh [seconds of traffic, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
port=5097
url="http://127.0.0.1:$port"
data=$(mktemp -d)
profile=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$data" "$profile"
}
trap cleanup EXIT

dotnet build src/Server -c Release -v quiet -nologo >/dev/null
dotnet src/Server/bin/Release/net10.0/CacheRegistry.Server.dll --Urls="$url" --CacheRegistry:DataDirectory="$data" \
  --CacheRegistry:Dashboard:History:FlushInterval=00:00:05 --CacheRegistry:Gc:PresenceGracePeriod=00:00:00 \
  --CacheRegistry:Gc:Namespaces:web:MaxBytes=60000 --CacheRegistry:Gc:Namespaces:ci:MaxBytes=4000000 \
  --CacheRegistry:Gc:Namespaces:ci:MaxAge=14.00:00:00 >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 60); do curl -sf "$url/healthz" >/dev/null && break; sleep 1; done

put() { # namespace protocol-path content-file
  curl -sf -o /dev/null -X PUT --data-binary "@$3" "$url/$1/$2" || true
}
get() { curl -s -o /dev/null "$url/$1/$2" || true; }

round=0
end=$((SECONDS + seconds))
while [ $SECONDS -lt $end ]; do
  round=$((round + 1))
  for ns in ci web mobile; do
    for i in $(seq 8); do
      file="$data/blob-$ns-$i"
      head -c $((2000 * i)) /dev/urandom >"$file"
      digest=$(sha256sum "$file" | cut -c1-64)
      put "$ns" "cas/$digest" "$file"
      get "$ns" "cas/$digest"
      get "$ns" "cas/$digest"
      key=$(printf '%s-%s-%s' "$ns" "$i" $((round % 3)) | sha256sum | cut -c1-64)
      get "$ns" "cache/$key"                     # Gradle: a miss the first time a key is seen
      put "$ns" "cache/$key" "$file"
      get "$ns" "cache/$key"
      [ "$ns" = web ] && get "$ns" "cas/$(printf '%s' "$RANDOM" | sha256sum | cut -c1-64)"  # misses
    done
  done
  [ $((round % 10)) -eq 0 ] && curl -sf -o /dev/null -X POST "$url/api/v1/admin/gc" || true
  sleep 2
done
curl -sf -o /dev/null -X POST "$url/api/v1/admin/gc" || true
sleep 6 # one more write of the counters

chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars --window-size=1366,1750 \
  --screenshot=docs/dashboard.png "$url/?range=1h" 2>/dev/null
echo "wrote docs/dashboard.png"
