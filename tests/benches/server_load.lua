-- wrk script of tests/benches/server_load.sh: POST /checkout_sessions with a unique
-- Idempotency-Key per request, counting every response that is not a fresh 201.
--
-- Environment (set by server_load.sh):
--   BENCH_BODY_FILE   file holding the CheckoutSessionCreateRequest JSON
--   BENCH_TOKEN       bearer token
--   BENCH_KEY_PREFIX  prefix making the keys unique across runs
--   BENCH_VERSION     API-Version (default 2026-04-17)
--
-- done() prints one line starting with "BENCH " of key=value pairs for the shell script.

local function read_file(path)
  local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
  local text = file:read("*a")
  file:close()
  return text
end

local body = read_file(os.getenv("BENCH_BODY_FILE"))
local prefix = (os.getenv("BENCH_KEY_PREFIX") or tostring(os.time())) .. "-"
local headers = {
  ["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is unset"),
  ["API-Version"] = os.getenv("BENCH_VERSION") or "2026-04-17",
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json",
}

-- Per-thread state (each wrk thread runs its own copy of this script).
id = 0
sent = 0
bad = 0
replayed = 0
first_bad = ""

-- Main state: the threads, to add up their counters in done().
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = prefix .. id .. "-"
end

function request()
  sent = sent + 1
  headers["Idempotency-Key"] = prefix .. sent
  return wrk.format("POST", "/checkout_sessions", headers, body)
end

function response(status, resp_headers, resp_body)
  if status ~= 201 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(resp_body or "", 1, 160)
    end
  elseif resp_headers["idempotent-replayed"] or resp_headers["Idempotent-Replayed"] then
    -- A replay means two requests shared a key: the run would not measure fresh creations.
    replayed = replayed + 1
  end
end

function done(summary, latency, requests)
  local total_bad, total_replayed, example = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_bad = total_bad + (thread:get("bad") or 0)
    total_replayed = total_replayed + (thread:get("replayed") or 0)
    local first = thread:get("first_bad") or ""
    if example == "" then
      example = first
    end
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d max_us=%d non201=%d "
      .. "replayed=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max,
    total_bad, total_replayed, errors.connect, errors.read, errors.write, errors.timeout))
  if example ~= "" then
    -- gsub returns two values: keep only the string.
    local line = string.gsub(example, "[\r\n]", " ")
    io.write("BENCH_FIRST_BAD " .. line .. "\n")
  end
end
