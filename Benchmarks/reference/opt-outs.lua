-- wrk script: POST /v1/opt-outs, one distinct mapped contact per request (user<i>@bench.example), with the API token
-- from API_TOKEN.
--
-- The threads take turns through the contacts from FIRST (thread t of T sends FIRST + t, FIRST + t + T, ...), so no two
-- requests of a run name the same contact, and done() reports in "next" the first contact no request reached: the
-- harness starts the next run on the same bridge there (benchlib.wrk). A contact opted out before has no lead left
-- to delete, so its opt-out is answered without an NLPearl call, at a fraction of the cost: only past CONTACTS do
-- the contacts wrap around and repeat.
--
-- Without THREAD_RATE, wrk runs closed-loop (as fast as the server answers). With THREAD_RATE (requests/s of
-- each wrk thread), each thread keeps its own schedule of send times and delay() holds a connection
-- until the next slot, so the offered rate stays fixed however fast answers come: an open-loop load as long
-- as there are enough connections for the answers in flight.
--
-- GET_PATH, when set, makes every request a GET of that path without the token instead (`/healthz`, or a path that
-- needs the token, to be refused 401): what a request costs that the handler answers without waiting.
--
-- done() prints one JSON line, prefixed "RESULT ", with the latency percentiles in microseconds.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock, timespec *ts);
]]
local ts = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local contacts = tonumber(os.getenv("CONTACTS") or "100000")
-- KEYS=3 sends a CRM contact's three keys (email, phone number, HubSpot id), as benchlib.write_crm_mapping maps them;
-- otherwise the email alone, as benchlib.write_mapping maps it.
local keys = tonumber(os.getenv("KEYS") or "1")
local first = tonumber(os.getenv("FIRST") or "0")
local rate = tonumber(os.getenv("THREAD_RATE") or "0")
local token = os.getenv("API_TOKEN") or ""
local get_path = os.getenv("GET_PATH")
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  stride = tonumber(os.getenv("THREADS") or "1")
  counter = first + index - stride
  if rate > 0 then interval = 1000 / rate end
  if get_path then return end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  if get_path then return wrk.format("GET", get_path) end
  counter = counter + stride
  local i = counter % contacts
  local body
  if keys == 3 then
    body = string.format('{"keys":["email:user%d@bench.example","phone:+1 (555) %03d-%04d","hubspot:%d"]}',
      i, math.floor(i / 10000) % 1000, i % 10000, 5000000 + i)
  else
    body = '{"keys":["email:user' .. i .. '@bench.example"]}'
  end
  return wrk.format(nil, "/v1/opt-outs", nil, body)
end

function delay()
  if rate <= 0 then return 0 end
  if next_slot == nil then next_slot = now_ms() end
  local slot = next_slot
  next_slot = next_slot + interval
  local wait = slot - now_ms()
  if wait < 0 then return 0 end
  return wait
end

function done(summary, latency, requests)
  local errors = summary.errors
  local next = first
  for _, thread in ipairs(threads) do
    next = math.max(next, (thread:get("counter") or first) + 1)
  end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"next":%d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, next))
end
