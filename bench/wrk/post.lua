-- wrk script: POSTs a body template with a fresh random messageId in place of every token, then prints one JSON
-- summary line (WRK_JSON ...) for bench/lib/wrk.ts to read.
-- Args (after --): template file, messageId token, Authorization header value, random seed.
-- With BENCH_WRK_STATUSES=1 in the environment it also counts responses by status and the 429/503s that lack a
-- Retry-After header. That makes wrk hand every response to Lua (slower), so only the overload runs ask for it; it is
-- an environment variable rather than an arg because wrk decides whether to parse headers from the script's top
-- level, before init() sees any args.

local parts = {}

-- Called in each thread's Lua state before it sends anything.
function init(args)
  local f = assert(io.open(args[1], 'rb'))
  local template = f:read('*a')
  f:close()
  local token = args[2]
  local from = 1
  while true do
    local s, e = template:find(token, from, true)
    if not s then break end
    parts[#parts + 1] = template:sub(from, s - 1)
    from = e + 1
  end
  parts[#parts + 1] = template:sub(from)
  wrk.method = 'POST'
  wrk.headers['Content-Type'] = 'application/json'
  wrk.headers['Authorization'] = args[3]
  -- A seed per run: two runs in the same second must not send the same ids (they would be stored once).
  math.randomseed(tonumber(args[4]))
end

-- A version-4-looking UUID from LuaJIT's PRNG: random enough to spread the ids over the dedupe index like real ones.
local function uuid()
  local r = math.random
  return string.format('%04x%04x-%04x-4%03x-%04x-%04x%04x%04x', r(0, 65535), r(0, 65535), r(0, 65535), r(0, 4095),
    r(32768, 49151), r(0, 65535), r(0, 65535), r(0, 65535))
end

function request()
  local n = #parts
  local out = {}
  for i = 1, n - 1 do
    out[#out + 1] = parts[i]
    out[#out + 1] = uuid()
  end
  out[#out + 1] = parts[n]
  return wrk.format(nil, nil, nil, table.concat(out))
end

if os.getenv('BENCH_WRK_STATUSES') == '1' then
  counts = {}
  retry_after_missing = 0
  function response(status, headers, _)
    counts[status] = (counts[status] or 0) + 1
    if (status == 429 or status == 503) and headers['retry-after'] == nil and headers['Retry-After'] == nil then
      retry_after_missing = retry_after_missing + 1
    end
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, _)
  local statuses = {}
  local missing = 0
  for _, t in ipairs(threads) do
    local c = t:get('counts')
    if c then
      for k, v in pairs(c) do statuses[#statuses + 1] = string.format('"%d":%d', k, v) end
    end
    missing = missing + (t:get('retry_after_missing') or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":{%s},"retry_after_missing":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(statuses, ','), missing))
end
