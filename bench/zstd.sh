#!/usr/bin/env bash
# zstd side by side in one run on the same data: the system's libzstd through P/Invoke (a private copy
# of the binding CacheRegistry used before ZstdSharp.Port) against ZstdSharp.Port, through its own
# streams and through CacheRegistry.Common's. Compress and decompress, 1 KiB and 64 MiB, compressible
# and incompressible, level 3, 128 KiB chunks (the server's upload and download path). Release build.
#   bench/zstd.sh        (ROUNDS=3 SECONDS_PER_CELL=0.5 to change how long each measurement runs)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ldconfig -p 2>/dev/null | grep -q 'libzstd\.so\.1'; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libzstd1 >/dev/null
fi

dotnet build bench/ZstdBench -c Release -v quiet -nologo >/dev/null
dotnet bench/ZstdBench/bin/Release/net10.0/ZstdBench.dll
