#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests over real HTTP against both storage
# configurations (SQLite + filesystem, PostgreSQL + S3 emulator).
#
# On a fresh Debian machine with the .NET SDK it first installs what the tests need from Debian's
# packages: PostgreSQL's server binaries (the fixture starts a throwaway cluster from them), Node.js
# and npm (the S3 emulator, and Turborepo and Nx, which the tests install from tests/e2e's committed
# lockfiles), the real build clients the end-to-end tests drive: ccache with gcc, and Bazel
# (bazel-bootstrap, with netty-tcnative for grpcs://), and Chromium with its driver for the dashboard's
# browser tests (their screenshots go to .test-artifacts/screenshots). Set CACHEREGISTRY_TEST_POSTGRES
# to a connection string to use an existing PostgreSQL.
# Extra arguments go to `dotnet test` (e.g. --filter Sqlite).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v ccache >/dev/null 2>&1 || missing+=(ccache)
command -v bazel >/dev/null 2>&1 || missing+=(bazel-bootstrap)
# Debian's Bazel needs OpenSSL through netty-tcnative for grpcs:// (its Netty has no JDK ALPN).
[ -f /usr/share/java/netty-tcnative.jar ] || missing+=(libnetty-tcnative-java)
ls /usr/lib/*/jni/libnetty-tcnative.so >/dev/null 2>&1 || missing+=(libnetty-tcnative-jni)
command -v curl >/dev/null 2>&1 || missing+=(curl)       # HTTPS tests and the publish smoke test
command -v openssl >/dev/null 2>&1 || missing+=(openssl) # README examples (signing keys)
command -v jq >/dev/null 2>&1 || missing+=(jq)             # README examples (tokens)
command -v python3 >/dev/null 2>&1 || missing+=(python3) # the chart check and the smoke test
command -v chromium >/dev/null 2>&1 || missing+=(chromium)              # the dashboard's browser tests (headless)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver) # and the driver Selenium talks to
if [ -z "${CACHEREGISTRY_TEST_POSTGRES:-}" ] && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

results=.test-artifacts
rm -rf "$results"
status=0
dotnet test CacheRegistry.sln --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -n 1 || true)
if [ -z "$counters" ]; then
  echo "No test results were written." >&2
  exit 1
fi
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=$(count passed); failed=$(count failed); total=$(count total)
echo "$passed passed, $failed failed, $((total - passed - failed)) skipped"
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
