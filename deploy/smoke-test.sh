#!/usr/bin/env bash
# Starts a published server ($1) on the embedded default and checks it serves: health, a blob round
# trip, a refused wrong digest. Used by CI on the output of deploy/publish.sh.
set -euo pipefail
published=$(cd "${1:?usage: deploy/smoke-test.sh PUBLISH_DIR}" && pwd)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CacheRegistry__DataDirectory="$work/data" Urls="http://127.0.0.1:$port" dotnet "$published/CacheRegistry.Server.dll" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
echo "published server build smoke test" >"$work/blob"
digest=$(sha256sum "$work/blob" | cut -c1-64)
test "$(curl -s -o /dev/null -w '%{http_code}' -T "$work/blob" "http://127.0.0.1:$port/cas/$digest")" = 201
curl -sf "http://127.0.0.1:$port/cas/$digest" | cmp - "$work/blob"
test "$(curl -s -o /dev/null -w '%{http_code}' -T "$work/blob" "http://127.0.0.1:$port/cas/$(printf x | sha256sum | cut -c1-64)")" = 400
echo "smoke test passed: $published serves"
