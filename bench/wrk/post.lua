-- wrk script of `npm run bench` (bench/run.ts): one request, repeated.
--   BENCH_BODY_FILE  file with the POST body (a GraphQL request as JSON); absent: a GET without body
--   BENCH_AUTH       value of the Authorization header; several, comma-separated: one caller after another
-- Every response is checked: a status other than 200 or a body with "errors" counts as bad, and
-- done() prints one machine-readable line: BENCH_RESULT {"requests":..,"duration_us":..,"p50_us":..,...}

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
else
  wrk.method = "GET"
end
-- BENCH_AUTH may list several callers, comma-separated: requests then take them in turn
local auths = {}
for a in string.gmatch(os.getenv("BENCH_AUTH") or "", "[^,]+") do table.insert(auths, a) end
if #auths == 1 then wrk.headers["Authorization"] = auths[1] end
if #auths > 1 then
  local requests, n = {}, 0
  function request()
    if #requests == 0 then
      for _, a in ipairs(auths) do
        local headers = {}
        for k, v in pairs(wrk.headers) do headers[k] = v end
        headers["Authorization"] = a
        table.insert(requests, wrk.format(nil, nil, headers, nil))
      end
    end
    n = n % #requests + 1
    return requests[n]
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  graphql_errors = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif body and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local bad, gql = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("bad_status") or 0)
    gql = gql + (t:get("graphql_errors") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"bad_status":%d,"graphql_errors":%d,"socket_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    bad, gql, e.connect + e.read + e.write, e.timeout))
end
