-- One wrk script for every HTTP workload of bench/run.sh, chosen by environment variables:
--   BENCH_MODE    get         the URL given to wrk, always the same (a static request: wrk's fast path)
--                 miss        GET PREFIX<new 64-hex key>SUFFIX: a key nobody stored, new every request
--                 put-unique  PUT PREFIX<new 64-hex key>SUFFIX with a 1 KiB body unique to that key
--                 put-dup     PUT PREFIX<new 64-hex key>SUFFIX with the same 1 KiB body every time
--   BENCH_PREFIX, BENCH_SUFFIX   the path around the key (e.g. /cache/ and "", /v8/artifacts/ and ?slug=bench)
--   BENCH_NONCE   8 hex digits unique to this wrk run, so that no two runs use the same keys
--   BENCH_HEADER  an extra header "Name: value" (optional), BENCH_BYTES the body size (default 1024)
-- Keys are 64 lowercase hex: NONCE, the thread, a per-thread counter, 40 random hex of the thread.
-- A unique body is the key followed by random bytes fixed per thread (so incompressible, and each
-- body's SHA-256 differs); the duplicate body is the same 1 KiB in every thread and every run.
-- done() prints one JSON line that bench/run.sh parses.

local mode = os.getenv("BENCH_MODE") or "get"
local prefix = os.getenv("BENCH_PREFIX") or "/"
local suffix = os.getenv("BENCH_SUFFIX") or ""
local nonce = os.getenv("BENCH_NONCE") or "00000000"
local header = os.getenv("BENCH_HEADER") or ""
local size = tonumber(os.getenv("BENCH_BYTES") or "1024")

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end

local function random_hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end

if mode ~= "get" then
  local counter = 0
  local stem, tail, dup_body
  local headers = {}

  function init(args)
    math.randomseed(1) -- the duplicate body is the same in every thread and every run
    dup_body = string.rep("d", 64) .. random_bytes(size - 64)
    math.randomseed(tonumber(nonce, 16) * 64 + (tid or 0))
    stem = nonce .. string.format("%08x", tid or 0)
    tail = random_hex(40)
    local filler = random_bytes(size - 64)
    local name, value = header:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
    if mode ~= "miss" then
      headers["Content-Type"] = "application/octet-stream"
      unique_filler = filler
    end
  end

  function request()
    counter = counter + 1
    local key = stem .. string.format("%08x", counter) .. tail
    local path = prefix .. key .. suffix
    if mode == "miss" then
      return wrk.format("GET", path, headers)
    elseif mode == "put-unique" then
      return wrk.format("PUT", path, headers, key .. unique_filler)
    else
      return wrk.format("PUT", path, headers, dup_body)
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
