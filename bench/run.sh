#!/usr/bin/env bash
# The whole benchmark of issue 14 in one run on this machine, side by side:
#   nginx                   the ceiling: static files for GETs, WebDAV PUT for uploads (sendfile on)
#   turborepo-remote-cache  the Node peer (bench/package-lock.json), /v8/artifacts, local storage
#   CacheRegistry           Release build (deploy/publish.sh) on the embedded default (SQLite + files)
#                           and on PostgreSQL + S3 (a throwaway local cluster, fsync on; the S3 emulator)
#   S3 emulator direct      the emulator's own speed (anonymous S3 requests), where it limits PostgreSQL + S3
# Workloads (WORKLOADS, comma-separated; default all):
#   hit1k hit64k miss put-unique put-dup   wrk -t$THREADS -c$CONNECTIONS, warm-up, then ROUNDS interleaved rounds
#   big          PUT then GET of a BIG_MIB file with curl (REPS interleaved repetitions), server RSS growth
#   find-missing 10,000 digests, half present (and CacheRegistry's Turborepo query of the same hashes)
#   cold-start   restart to ready with ENTRIES stored (populated through the server, capped by POPULATE_BUDGET)
#   cli          `cache --help` and a 1 KiB `cache blob get` (hyperfine), the installed tool
# Idle RSS and RSS after the load are always measured. Writes the Markdown table to stdout and to OUT
# (bench/results/latest.md; with SMOKE=1 bench/results/smoke.md).
#   bench/run.sh
#   DURATION=10s ROUNDS=3 bench/run.sh                      # a longer run
#   SERVERS=nginx,emb WORKLOADS=put-unique,miss bench/run.sh # iterate on a few rows
#   SMOKE=1 bench/run.sh   # every workload very briefly; fails unless every answer is right (CI)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
root=$(pwd)
command_line="bench/run.sh"

smoke=${SMOKE:-0}
if [ "$smoke" = 1 ]; then
  duration=${DURATION:-3s}; warmup=${WARMUP:-1s}; rounds=${ROUNDS:-1}; big_mib=${BIG_MIB:-8}; reps=${REPS:-1}
  entries=${ENTRIES:-200}; budget=${POPULATE_BUDGET:-60}; digests=${DIGESTS:-200}; cli_runs=${CLI_RUNS:-3}
  out=${OUT:-bench/results/smoke.md}
else
  duration=${DURATION:-5s}; warmup=${WARMUP:-2s}; rounds=${ROUNDS:-3}; big_mib=${BIG_MIB:-256}; reps=${REPS:-3}
  entries=${ENTRIES:-100000}; budget=${POPULATE_BUDGET:-300}; digests=${DIGESTS:-10000}; cli_runs=${CLI_RUNS:-20}
  out=${OUT:-bench/results/latest.md}
fi
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
servers_wanted=${SERVERS:-nginx,turbo,emb,pg,s3}
workloads_wanted=${WORKLOADS:-hit1k,hit64k,miss,put-unique,put-dup,big,find-missing,cold-start,cli}
for v in DURATION WARMUP ROUNDS BIG_MIB REPS ENTRIES POPULATE_BUDGET DIGESTS CLI_RUNS CONNECTIONS THREADS SERVERS WORKLOADS; do
  if [ -n "${!v:-}" ]; then command_line="$v=${!v} $command_line"; fi
done
[ "$smoke" = 1 ] && command_line="SMOKE=1 $command_line"

log() { echo "[$(date +%T)] $*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }
want_server() { [[ ",$servers_wanted," == *",$1,"* ]]; }
want() { [[ ",$workloads_wanted," == *",$1,"* ]]; }
for s in ${servers_wanted//,/ }; do [[ " nginx turbo emb pg s3 " == *" $s "* ]] || die "SERVERS: unknown server $s (nginx, turbo, emb, pg, s3)"; done
for w in ${workloads_wanted//,/ }; do
  [[ " hit1k hit64k miss put-unique put-dup big find-missing cold-start cli " == *" $w "* ]] || die "WORKLOADS: unknown workload $w"
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$reps" =~ ^[1-9][0-9]*$ && "$big_mib" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, REPS and BIG_MIB must be positive integers"

# --- What it needs, on a fresh Debian 12 ---------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if want_server turbo && [ ! -d bench/node_modules/turborepo-remote-cache ]; then
  log "npm ci in bench/"
  (cd bench && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in bench/ failed"
fi
if want_server pg || want_server s3; then
  if [ ! -d tests/s3rver/node_modules/@20minutes/s3rver ]; then
    log "npm ci in tests/s3rver/"
    (cd tests/s3rver && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in tests/s3rver/ failed"
  fi
fi

# --- Processes: every one started here is stopped on exit ------------------------------------------
work=$(mktemp -d /tmp/cacheregistry-bench.XXXXXX)
chmod 755 "$work" # nginx's workers (www-data) and PostgreSQL (postgres) read below it
declare -A pid=()
pg_started=""
stop_pid() { # pid: TERM, then KILL after 10 s
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 200); do # gone, or a zombie (exited, not yet waited for)
    [ -e "/proc/$p" ] && [ "$(sed "s/.*) //" "/proc/$p/stat" 2>/dev/null | cut -d" " -f1)" != Z ] || break
    sleep 0.05
  done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for name in "${!pid[@]}"; do stop_pid "${pid[$name]}"; done
  [ -n "$pg_started" ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ] && [ -d "$work" ]; then
    for f in "$work"/{nginx,turbo,s3,emb,pg}.log "$work/pg/postgres.log"; do
      [ -s "$f" ] && { echo "--- last lines of $f" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "bench/run.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

py=$(python3 -c 'import sys; print(sys.executable)') # the interpreter itself, not a slow shim (pyenv)
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
client() { "$py" "$root/bench/lib/client.py" "$@"; }
now_ns() { date +%s%N; }
results="$work/results.jsonl"
record() { echo "$1" >> "$results"; } # one JSON object per line, read by bench/lib/table.py

# --- Build ---------------------------------------------------------------------------------------
log "publishing the server (deploy/publish.sh, Release)"
./deploy/publish.sh "$work/server" > "$work/publish.log" 2>&1 || { tail -n 30 "$work/publish.log" >&2; die "deploy/publish.sh failed"; }
if want cli; then
  log "packing and installing the cache CLI (as deploy/cli-smoke-test.sh does)"
  # A package folder of the bench's own, without any earlier build of the tool (same version number).
  rm -rf bench/.nuget/cacheregistry.cli
  { dotnet pack src/Cli --configuration Release --output "$work/packages" &&
    NUGET_PACKAGES="$root/bench/.nuget" dotnet tool install CacheRegistry.Cli --tool-path "$work/tools" --add-source "$work/packages"; } \
    > "$work/cli-build.log" 2>&1 || { tail -n 30 "$work/cli-build.log" >&2; die "packing or installing the CLI failed"; }
fi

# --- Servers -------------------------------------------------------------------------------------
ns=bench        # CacheRegistry namespace and Turborepo team
token=bench     # turborepo-remote-cache's TURBO_TOKEN
bucket=cacheregistry-bench
big_bytes=$((big_mib * 1024 * 1024))
declare -A port=() ready=() ready_header=()

setup_nginx() {
  mkdir -p "$work/nginx/www/put" "$work/nginx/tmp"
  echo ready > "$work/nginx/www/put/ready"
  local user=""
  if [ "$(id -u)" -eq 0 ]; then user="user www-data;"; chown -R www-data "$work/nginx"; fi
  cat > "$work/nginx/nginx.conf" <<CONF
$user
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx.log crit; # not every 404
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $work/nginx/tmp;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port[nginx]};
    root $work/nginx/www;
    location /put/ { dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
  }
}
CONF
}
start_nginx() {
  "$nginx_bin" -c "$work/nginx/nginx.conf" -g 'daemon off;' >> "$work/nginx.log" 2>&1 &
  pid[nginx]=$!
}
start_turbo() {
  PORT=${port[turbo]} HOST=127.0.0.1 STORAGE_PROVIDER=local STORAGE_PATH="$work/turbo" STORAGE_PATH_USE_TMP_FOLDER=false \
    TURBO_TOKEN=$token NODE_ENV=production LOG_LEVEL=error BODY_LIMIT=$((big_bytes + 16777216)) \
    node bench/node_modules/turborepo-remote-cache/dist/cli.js >> "$work/turbo.log" 2>&1 &
  pid[turbo]=$!
}
start_s3() {
  mkdir -p "$work/s3"
  (cd tests/s3rver && NODE_OPTIONS=--openssl-legacy-provider exec node start.js -d "$work/s3" -a 127.0.0.1 -p "${port[s3]}" \
    --configure-bucket "$bucket" --allow-mismatched-signatures -s >> "$work/s3.log" 2>&1) &
  pid[s3]=$!
}
start_postgres() {
  mkdir -p "$work/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
  as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --no-sync --no-instructions > "$work/pg-init.log" 2>&1 \
    || { cat "$work/pg-init.log" >&2; die "initdb failed"; }
  # fsync stays on: a real database. (initdb --no-sync only skips initdb's own final flush.)
  as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" -w -t 60 \
    -o "-h 127.0.0.1 -p ${port[postgres]} -k $work/pg -c max_connections=300" start > "$work/pg-ctl.log" 2>&1 \
    || { cat "$work/pg-ctl.log" "$work/pg/postgres.log" >&2; die "pg_ctl start failed"; }
  pg_started=1
  "$pg_bin/psql" -h 127.0.0.1 -p "${port[postgres]}" -U postgres -qc "CREATE DATABASE cacheregistry" >/dev/null || die "CREATE DATABASE failed"
}
start_ours() { # emb | pg
  local name=$1 settings=()
  if [ "$name" = pg ]; then # as tests/CacheRegistry.Tests/Infrastructure/TestBackends.cs PostgresS3Backend.Settings
    settings=(CacheRegistry__Database__Provider=PostgreSQL
      "CacheRegistry__Database__ConnectionString=Host=127.0.0.1;Port=${port[postgres]};Username=postgres;Database=cacheregistry"
      CacheRegistry__Storage__Provider=S3 CacheRegistry__Storage__S3__Bucket=$bucket
      CacheRegistry__Storage__S3__ServiceUrl=http://127.0.0.1:${port[s3]} CacheRegistry__Storage__S3__ForcePathStyle=true
      CacheRegistry__Storage__S3__AccessKey=S3RVER CacheRegistry__Storage__S3__SecretKey=S3RVER
      CacheRegistry__Storage__S3__KeyPrefix=server/
      CacheRegistry__Storage__S3__MultipartThresholdBytes=8388608 CacheRegistry__Storage__S3__PartSizeBytes=5242880)
  fi
  # Plaintext gRPC off: two of our servers run side by side, and bench/reapi.sh measures gRPC.
  env "${settings[@]}" CacheRegistry__DataDirectory="$work/$name" Urls="http://127.0.0.1:${port[$name]}" CacheRegistry__Grpc__Url= \
    Logging__LogLevel__Default=Warning dotnet "$work/server/CacheRegistry.Server.dll" >> "$work/$name.log" 2>&1 &
  pid[$name]=$!
}
start() { # name
  case $1 in nginx) start_nginx ;; turbo) start_turbo ;; s3) start_s3 ;; emb | pg) start_ours "$1" ;; esac
}
start_timed() { # name: starts it; ready_ms = ms from launch to ready (the poller runs before the launch)
  local args=("http://127.0.0.1:${port[$1]}${ready[$1]}" 120 --marker "$work/polling")
  [ -n "${ready_header[$1]:-}" ] && args+=(--header "${ready_header[$1]}")
  rm -f "$work/polling"
  "$py" "$root/bench/lib/client.py" wait-ready "${args[@]}" > "$work/ready" 2>&1 &
  local poller=$! t0
  pid[poller]=$poller
  while [ ! -e "$work/polling" ]; do kill -0 "$poller" 2>/dev/null || break; sleep 0.01; done
  t0=$(now_ns); start "$1"
  wait "$poller" || { cat "$work/ready" >&2; die "$1 did not become ready (its log is below)"; }
  unset "pid[poller]"
  ready_ms=$((($(cat "$work/ready") - t0) / 1000000))
}

# The servers measured, and the ones started (the PostgreSQL + S3 server needs the emulator).
measured=(); for s in nginx turbo emb pg s3; do want_server "$s" && measured+=("$s"); done
all_servers=("${measured[@]}")
want_server pg && ! want_server s3 && all_servers+=(s3)
for s in "${all_servers[@]}"; do port[$s]=$(free_port); done
ready[nginx]=/put/ready; ready[turbo]=/v8/artifacts/status; ready_header[turbo]="Authorization: Bearer $token"
ready[emb]=/readyz; ready[pg]=/readyz; ready[s3]=/$bucket
if want_server pg; then port[postgres]=$(free_port); log "starting PostgreSQL ($pg_bin) on 127.0.0.1:${port[postgres]}"; start_postgres; fi
for s in "${all_servers[@]}"; do [ "$s" = s3 ] && { log "starting s3"; start_timed s3; }; done
for s in "${all_servers[@]}"; do
  [ "$s" = s3 ] && continue
  log "starting $s on 127.0.0.1:${port[$s]}"
  [ "$s" = nginx ] && setup_nginx
  start_timed "$s"; ms=$ready_ms
  record "{\"workload\":\"first-start\",\"server\":\"$s\",\"ms\":$ms}"
done

# --- Per-server routes ---------------------------------------------------------------------------
# get_url SERVER NAME DIGEST: where a seeded object is read; put_path SERVER NAME DIGEST: where it is written.
auth_header() { [ "$1" = turbo ] && echo "Authorization: Bearer $token" || true; }
object_path() { # server name digest
  case $1 in
    nginx) echo "/put/$2" ;;
    turbo) echo "/v8/artifacts/$2?slug=$ns" ;;
    emb | pg) echo "/$ns/cas/$3" ;;
    s3) echo "/$bucket/direct/$2" ;;
  esac
}
key_prefix() { # server workload -> prefix suffix (for wrk's generated keys)
  case $1 in
    nginx) echo "/put/ " ;;
    turbo) echo "/v8/artifacts/ ?slug=$ns" ;;
    emb | pg) if [ "$2" = miss ]; then echo "/$ns/cas/ "; else echo "/$ns/cache/ "; fi ;;
    s3) echo "/$bucket/direct/ " ;;
  esac
}
curl_put() { # server path file -> "status seconds"
  local h; h=$(auth_header "$1")
  curl -sS -o /dev/null -w '%{http_code} %{time_total}' -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    ${h:+-H "$h"} -T "$3" "http://127.0.0.1:${port[$1]}$2"
}
curl_get() { # server path dest -> "status seconds bytes"
  local h; h=$(auth_header "$1")
  curl -sS -o "$3" -w '%{http_code} %{time_total} %{size_download}' ${h:+-H "$h"} "http://127.0.0.1:${port[$1]}$2"
}
rss_mib() { client rss "${pid[$1]}" | cut -d' ' -f1; }

# --- Seed and check: every server answers correctly before anything is measured --------------------
head -c 1024 /dev/urandom > "$work/hit1k"
head -c 65536 /dev/urandom > "$work/hit64k"
declare -A digest=()
for f in hit1k hit64k; do digest[$f]=$(sha256sum "$work/$f" | cut -c1-64); done
for s in "${measured[@]}"; do
  for f in hit1k hit64k; do
    path=$(object_path "$s" "$f" "${digest[$f]}")
    read -r code _ <<<"$(curl_put "$s" "$path" "$work/$f")"
    [[ $code == 2* ]] || die "$s: PUT $path answered $code"
    read -r code _ _ <<<"$(curl_get "$s" "$path" "$work/check")"
    [ "$code" = 200 ] && cmp -s "$work/check" "$work/$f" || die "$s: GET $path answered $code or other bytes than were stored"
  done
  read -r prefix suffix <<<"$(key_prefix "$s" miss)"
  path="$prefix$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)$suffix"
  read -r code _ _ <<<"$(curl_get "$s" "$path" /dev/null)"
  [ "$code" = 404 ] || die "$s: GET of a missing key $path answered $code, not 404"
  # A new key with new content goes in and comes back the same, on the route the PUT workloads use.
  read -r prefix suffix <<<"$(key_prefix "$s" put-unique)"
  head -c 1024 /dev/urandom > "$work/unique"
  path="$prefix$(sha256sum "$work/unique" | cut -c1-64)$suffix"
  read -r code _ <<<"$(curl_put "$s" "$path" "$work/unique")"
  [[ $code == 2* ]] || die "$s: PUT $path answered $code"
  read -r code _ _ <<<"$(curl_get "$s" "$path" "$work/check")"
  [ "$code" = 200 ] && cmp -s "$work/check" "$work/unique" || die "$s: GET $path after its PUT answered $code or other bytes"
done
log "every server stores and serves correctly"
sleep 2
for s in "${measured[@]}"; do record "{\"workload\":\"rss-idle\",\"server\":\"$s\",\"mib\":$(rss_mib "$s")}"; done
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- wrk workloads: warm-up, then interleaved rounds ------------------------------------------------
nonce_counter=0
run_wrk() { # server workload seconds [warm-up] -> the done() JSON line
  local s=$1 w=$2 d=$3 warm=${4:-} h mode url prefix="" suffix=""
  h=$(auth_header "$s")
  nonce_counter=$((nonce_counter + 1))
  case $w in
    hit1k | hit64k) mode=get; url="http://127.0.0.1:${port[$s]}$(object_path "$s" "$w" "${digest[$w]}")" ;;
    *) mode=$w; url="http://127.0.0.1:${port[$s]}"; read -r prefix suffix <<<"$(key_prefix "$s" "$w")" ;;
  esac
  local args=(-t"$threads" -c"$connections" -d"$d" --timeout 10s -s "$root/bench/lib/workload.lua")
  [ -n "$h" ] && [ "$mode" = get ] && args+=(-H "$h")
  BENCH_MODE=$mode BENCH_PREFIX=$prefix BENCH_SUFFIX=$suffix BENCH_HEADER=$h \
    BENCH_NONCE=$(printf '%04x%04x' $((RANDOM)) "$nonce_counter") wrk "${args[@]}" "$url" > "$work/wrk.out" 2>&1 \
    || { cat "$work/wrk.out" >&2; die "wrk failed against $s ($w)"; }
  local line; line=$(grep '^{"requests"' "$work/wrk.out" | tail -n 1)
  [ -n "$line" ] || { cat "$work/wrk.out" >&2; die "wrk printed no result against $s ($w)"; }
  # Correct answers: hits and PUTs all 2xx, misses all 404 (wrk counts any status >= 400 as a status error).
  "$py" - "$w" "$s" "$line" "$warm" <<'PY' || die "wrong answers from $s in $w (above)"
import json, sys
w, s, r, warm = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
bad = r["connect"] + r["read"] + r["write"] + r["timeout"]
wrong = r["requests"] - r["status"] if w == "miss" else r["status"]
if (r["requests"] == 0 and not warm) or bad or wrong:
    sys.exit(f"{s} {w}: {r['requests']} requests, {wrong} with a wrong status, {bad} socket errors or timeouts: {r}")
PY
  echo "$line"
}
wrk_workloads=(); for w in hit1k hit64k miss put-unique put-dup; do want "$w" && wrk_workloads+=("$w"); done
for w in "${wrk_workloads[@]}"; do
  log "$w: warm-up ($warmup each)"
  for s in "${measured[@]}"; do run_wrk "$s" "$w" "$warmup" warm-up >/dev/null; done
  for r in $(seq 1 "$rounds"); do
    log "$w: round $r of $rounds ($duration each)"
    for s in "${measured[@]}"; do
      line=$(run_wrk "$s" "$w" "$duration")
      record "{\"workload\":\"$w\",\"server\":\"$s\",\"round\":$r,\"wrk\":$line,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
    done
  done
done

# --- 256 MiB PUT and GET -----------------------------------------------------------------------------
if want big; then
  log "big: writing a $big_mib MiB file of random bytes"
  head -c "$big_bytes" /dev/urandom > "$work/big"
  declare -A big_path=() big_digest=()
  for r in $(seq 1 "$reps"); do
    for s in "${measured[@]}"; do
      # New content every time: the first bytes name the repetition and the server.
      printf '%-32s' "rep $r $s $$" | dd of="$work/big" conv=notrunc status=none
      d=$(sha256sum "$work/big" | cut -c1-64)
      path=$(object_path "$s" "big$r" "$d")
      before=$(rss_mib "$s")
      rm -f "$work/peak"
      "$py" "$root/bench/lib/client.py" watch-rss "${pid[$s]}" "$work/peak" & # not through a function: $! is python
      watcher=$!; pid[watcher]=$watcher
      sleep 0.5 # the sampler is running before the upload starts
      read -r code secs <<<"$(curl_put "$s" "$path" "$work/big")"
      kill "$watcher"; wait "$watcher" || true; unset "pid[watcher]"
      peak=$(cat "$work/peak" 2>/dev/null || echo null)
      [[ $code == 2* ]] || die "$s: PUT of $big_mib MiB to $path answered $code"
      big_path[$s]=$path; big_digest[$s]=$d
      record "{\"workload\":\"put-big\",\"server\":\"$s\",\"round\":$r,\"mbps\":$("$py" -c "print(round($big_bytes / 1e6 / $secs, 1))"),\"rss_before\":$before,\"rss_peak\":$peak}"
    done
    log "big: PUT repetition $r of $reps done"
  done
  for r in $(seq 1 "$reps"); do
    for s in "${measured[@]}"; do
      read -r code secs bytes <<<"$(curl_get "$s" "${big_path[$s]}" /dev/null)"
      [ "$code" = 200 ] && [ "$bytes" = "$big_bytes" ] || die "$s: GET ${big_path[$s]} answered $code with $bytes bytes, $big_bytes expected"
      record "{\"workload\":\"get-big\",\"server\":\"$s\",\"round\":$r,\"mbps\":$("$py" -c "print(round($big_bytes / 1e6 / $secs, 1))")}"
    done
    log "big: GET repetition $r of $reps done"
  done
  for s in "${measured[@]}"; do # the bytes that come back are the bytes that went in
    h=$(auth_header "$s")
    got=$(curl -sS ${h:+-H "$h"} "http://127.0.0.1:${port[$s]}${big_path[$s]}" | sha256sum | cut -c1-64)
    [ "$got" = "${big_digest[$s]}" ] || die "$s: GET ${big_path[$s]} returned other bytes than were stored"
  done
  rm -f "$work/big"
fi

sleep 2
for s in "${measured[@]}"; do record "{\"workload\":\"rss-after\",\"server\":\"$s\",\"mib\":$(rss_mib "$s")}"; done

# --- Many entries: find-missing, the Turborepo query, cold start ----------------------------------------
ours=(); for s in emb pg; do want_server "$s" && ours+=("$s"); done
if (want find-missing || want cold-start) && [ ${#ours[@]} -gt 0 ]; then
  for s in "${ours[@]}"; do
    # Turborepo artifacts named by their content's SHA-256: entries for the query and the cold start,
    # blobs for find-missing. Unique 1 KiB bodies through the server, 32 keep-alive connections.
    target=$entries; want cold-start || target=$((digests / 2))
    log "$s: storing $target entries (1 KiB, unique; at most $budget s)"
    client put-many "http://127.0.0.1:${port[$s]}" "/v8/artifacts/{key}?slug=$ns" "$target" "$work/$s.stored" \
      --concurrency 32 --budget "$budget" > "$work/populate.json" || die "$s: storing entries failed"
    record "{\"workload\":\"populate\",\"server\":\"$s\",\"result\":$(cat "$work/populate.json")}"
    log "$s: $(cat "$work/populate.json")"
  done
fi
if want find-missing; then
  for s in "${ours[@]}"; do
    stored=$(wc -l < "$work/$s.stored")
    n=$digests; [ $((stored * 2)) -lt "$n" ] && n=$((stored * 2))
    [ "$n" -ge 2 ] || die "$s: nothing stored for find-missing"
    log "$s: find-missing and the Turborepo query of $n digests, half present"
    fm=$(client find-missing "http://127.0.0.1:${port[$s]}" "$work/$s.stored" "$n" --reps "$rounds" --path "/$ns/api/v1/cas/find-missing") || die "$s: find-missing failed"
    record "{\"workload\":\"find-missing\",\"server\":\"$s\",\"digests\":$n,\"result\":$fm}"
    tq=$(client turbo-query "http://127.0.0.1:${port[$s]}" "$work/$s.stored" "$n" --reps "$rounds" --path "/v8/artifacts?slug=$ns") || die "$s: the Turborepo query failed"
    record "{\"workload\":\"turbo-query\",\"server\":\"$s\",\"digests\":$n,\"result\":$tq}"
  done
fi

# --- CLI start-up -----------------------------------------------------------------------------------
if want cli && want_server emb; then
  log "cli: hyperfine ($cli_runs runs each)"
  export CACHE_SERVER="http://127.0.0.1:${port[emb]}" CACHE_NAMESPACE=$ns
  "$work/tools/cache" blob get "${digest[hit1k]}" -o "$work/cli-copy" > "$work/cli.log" 2>&1 || { cat "$work/cli.log" >&2; die "cache blob get failed"; }
  cmp -s "$work/cli-copy" "$work/hit1k" || die "cache blob get wrote other bytes than the blob"
  hyperfine -N --warmup 2 --runs "$cli_runs" --export-json "$work/cli.json" \
    -n help "$work/tools/cache --help" \
    -n blob-get "$work/tools/cache blob get ${digest[hit1k]} -o $work/cli-copy" > "$work/cli.log" 2>&1 \
    || { cat "$work/cli.log" >&2; die "hyperfine failed"; }
  record "{\"workload\":\"cli\",\"result\":$("$py" -c 'import json,sys; print(json.dumps({r["command"]: {"median_ms": r["median"]*1000, "mean_ms": r["mean"]*1000, "min_ms": r["min"]*1000} for r in json.load(open(sys.argv[1]))["results"]}))' "$work/cli.json")}"
  unset CACHE_SERVER CACHE_NAMESPACE
fi

# --- Cold start: stop, start, time to ready ---------------------------------------------------------------
if want cold-start; then
  for r in $(seq 1 "$rounds"); do
    for s in "${measured[@]}"; do
      [ "$s" = s3 ] && continue # the emulator stays up: the PostgreSQL + S3 server needs it
      stop_pid "${pid[$s]}"; unset "pid[$s]"
      [ "$s" = nginx ] && rm -f "$work/nginx/nginx.pid"
      start_timed "$s"; ms=$ready_ms
      stored=0; [ -f "$work/$s.stored" ] && stored=$(wc -l < "$work/$s.stored")
      record "{\"workload\":\"cold-start\",\"server\":\"$s\",\"round\":$r,\"ms\":$ms,\"entries\":$stored}"
    done
    log "cold start: round $r of $rounds done"
  done
  # After a restart the stored entries are still there.
  for s in "${ours[@]}"; do
    d=$(head -n 1 "$work/$s.stored" 2>/dev/null || true)
    [ -n "$d" ] || continue
    read -r code _ _ <<<"$(curl_get "$s" "/v8/artifacts/$d?slug=$ns" "$work/check")"
    [ "$code" = 200 ] && [ "$(sha256sum "$work/check" | cut -c1-64)" = "$d" ] || die "$s: an entry stored before the restart answered $code or other bytes"
  done
fi

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
# --- The table -----------------------------------------------------------------------------------------
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src 2>/dev/null || commit="$commit (with uncommitted changes in src/)"
mkdir -p "$(dirname "$out")"
"$py" bench/lib/table.py "$results" \
  --command "$command_line" --commit "$commit" --date "$(date -u +%Y-%m-%d)" --smoke "$smoke" --big-mib "$big_mib" \
  --settings "wrk -t$threads -c$connections, $duration × $rounds interleaved rounds after a $warmup warm-up; $big_mib MiB × $reps; $(nproc) cores" \
  --load "load average (1, 5, 15 min) at the start $load_start, at the end $load_end" \
  --versions "nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||'), turborepo-remote-cache $(node -p 'require("./bench/node_modules/turborepo-remote-cache/package.json").version' 2>/dev/null || echo '?'), PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), @20minutes/s3rver $(node -p 'require("./tests/s3rver/node_modules/@20minutes/s3rver/package.json").version' 2>/dev/null || echo '?'), Node $(node --version), .NET $(dotnet --version)" \
  > "$out" || die "bench/lib/table.py failed"
cat "$out"
log "written to $out"
