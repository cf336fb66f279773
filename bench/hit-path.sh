#!/usr/bin/env bash
# The 1 KiB cache hit, side by side in one run: nginx serving the same file (the ceiling),
# CacheRegistry (CAS route and Turborepo route, embedded default, Release build) and
# turborepo-remote-cache (local storage). Same machine, same wrk settings, one after the other;
# compare the ratios, not the absolute numbers.
#   bench/hit-path.sh       (DURATION=10s CONNECTIONS=32 THREADS=2 ROUNDS=3 to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
(cd bench && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null)

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 60); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

head -c 1024 /dev/urandom > "$work/blob"
digest=$(sha256sum "$work/blob" | cut -c1-64)
hash=${digest:0:16}

# CacheRegistry, Release build, embedded default.
./deploy/publish.sh "$work/server" >/dev/null
ours=$(free_port)
CacheRegistry__DataDirectory="$work/data" Urls="http://127.0.0.1:$ours" Logging__LogLevel__Default=Warning \
  dotnet "$work/server/CacheRegistry.Server.dll" >"$work/server.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ours/readyz"
curl -sf -o /dev/null -T "$work/blob" "http://127.0.0.1:$ours/cas/$digest"
curl -sf -o /dev/null -T "$work/blob" "http://127.0.0.1:$ours/v8/artifacts/$hash?slug=team"

# nginx serving the same bytes as a static file.
theirs=$(free_port)
mkdir -p "$work/www/cas" "$work/nginx"
cp "$work/blob" "$work/www/cas/$digest"
chmod 755 "$work" && chmod -R a+rX "$work/www" # nginx workers may run as another user (www-data)
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  server { listen 127.0.0.1:$theirs; root $work/www; }
}
CONF
"$(command -v nginx || echo /usr/sbin/nginx)" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_for "http://127.0.0.1:$theirs/cas/$digest"

# turborepo-remote-cache, local storage.
turbo=$(free_port)
PORT=$turbo STORAGE_PROVIDER=local STORAGE_PATH="$work/turbo" TURBO_TOKEN=bench NODE_ENV=production LOG_LEVEL=error \
  node bench/node_modules/turborepo-remote-cache/dist/cli.js >"$work/turbo.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$turbo/v8/artifacts/status"
curl -sf -o /dev/null -X PUT -H 'Authorization: Bearer bench' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/blob" "http://127.0.0.1:$turbo/v8/artifacts/$hash?slug=team"

targets=(
  "nginx|http://127.0.0.1:$theirs/cas/$digest|"
  "cacheregistry-cas|http://127.0.0.1:$ours/cas/$digest|"
  "cacheregistry-turbo|http://127.0.0.1:$ours/v8/artifacts/$hash?slug=team|"
  "turborepo-remote-cache|http://127.0.0.1:$turbo/v8/artifacts/$hash?slug=team|Authorization: Bearer bench"
)
rounds=${ROUNDS:-3}

run_wrk() { # seconds url header
  local args=(-t"$threads" -c"$connections" --latency -d"$1")
  [ -n "$3" ] && args+=(-H "$3")
  wrk "${args[@]}" "$2"
}

# Every server must serve the blob, and gets warmed up (JIT tiers, caches) before anything is measured.
for target in "${targets[@]}"; do
  IFS='|' read -r name url header <<<"$target"
  curl -sf -o "$work/check" ${header:+-H "$header"} "$url" && cmp -s "$work/check" "$work/blob" || { echo "$name does not serve the blob" >&2; exit 1; }
  run_wrk 5s "$url" "$header" >/dev/null
done

# Rounds interleave the servers; each server's best round is reported.
for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    IFS='|' read -r name url header <<<"$target"
    run_wrk "$duration" "$url" "$header" > "$work/$name.$round.txt"
  done
done
results=$(for target in "${targets[@]}"; do
  IFS='|' read -r name _ _ <<<"$target"
  best=$(for round in $(seq 1 "$rounds"); do echo "$(awk '/^Requests\/sec/ {print $2}' "$work/$name.$round.txt") $round"; done | sort -g -r | head -n 1 | cut -d' ' -f2)
  file="$work/$name.$best.txt"
  echo "$name $(awk '/^Requests\/sec/ {print $2}' "$file") $(awk '$1=="50%" {print $2}' "$file") $(awk '$1=="99%" {print $2}' "$file")"
done)

ceiling=$(echo "$results" | awk '$1=="nginx" {print $2}')
echo "1 KiB cache hit, wrk -t$threads -c$connections -d$duration, best of $rounds interleaved rounds after warm-up, $(nproc) cores"
printf '%-24s %12s %10s %10s %10s\n' server requests/s p50 p99 "vs nginx"
echo "$results" | while read -r name rps p50 p99; do
  printf '%-24s %12s %10s %10s %9.2fx\n' "$name" "$rps" "$p50" "$p99" "$(echo "$rps / $ceiling" | bc -l)"
done
