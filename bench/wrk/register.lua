-- wrk script for bench row 2w: every request registers a new user (an email unique per run, thread and request),
-- and done() prints one line the harness reads: WRK {"requests":..,"seconds":..,"non2xx":..,"errors":..,"p50":..,"p99":..}
-- (latencies in microseconds). The run's tag comes as the first script argument: wrk ... -- TAG
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  tag = args[1] or tostring(os.time())
  n = 0
end

function request()
  n = n + 1
  local body = string.format(
    '{"email":"wrk.%s.%d.%d@bench.example","firstName":"Wrk","lastName":"Client%d","registrationSource":"bench"}',
    tag, tid, n, tid)
  -- wrk.format takes these headers instead of wrk's own: the command line's (-H, the bearer token) are copied in
  local headers = { ["Content-Type"] = "application/json" }
  for name, value in pairs(wrk.headers) do headers[name] = headers[name] or value end
  return wrk.format("POST", "/api/users", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"seconds":%.3f,"non2xx":%d,"errors":%d,"p50":%d,"p99":%d}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
