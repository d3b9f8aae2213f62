-- wrk script for bench/rest.py: the requests of one endpoint, and a JSON summary.
-- Set by rest.py in the environment: REST_BENCH_ENDPOINT (trivial, history or post),
-- REST_BENCH_TOKEN, REST_BENCH_CHANNEL, REST_BENCH_HISTORY (messages seeded) and
-- REST_BENCH_RUN (unique per wrk run, so that every post has a new client_msg_id),
-- REST_BENCH_CREDENTIALS (guess: comma-separated base64 nickname:password pairs).

local endpoint = os.getenv("REST_BENCH_ENDPOINT")
local channel = os.getenv("REST_BENCH_CHANNEL")
local seeded = tonumber(os.getenv("REST_BENCH_HISTORY") or "0")
local run = os.getenv("REST_BENCH_RUN")
local threads = 0
local sent = 0
local credentials = {}
for pair in string.gmatch(os.getenv("REST_BENCH_CREDENTIALS") or "", "[^,]+") do
  table.insert(credentials, pair)
end

wrk.headers["Authorization"] = "Bearer " .. (os.getenv("REST_BENCH_TOKEN") or "")
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  math.randomseed(thread_id)
end

function request()
  if endpoint == "post" then
    sent = sent + 1
    local id = string.format("%s-%d-%d", run, thread_id, sent)
    local body = string.format('{"source": "bench %s", "client_msg_id": "%s"}', id, id)
    return wrk.format("POST", "/api/v2/channels/" .. channel .. "/messages", nil, body)
  elseif endpoint == "guess" then
    -- A wrong sign-in: one Argon2id verification on the server, whatever the nickname.
    sent = sent + 1
    local basic = credentials[(sent + thread_id) % #credentials + 1]
    return wrk.format("POST", "/api/v2/tokens", {["Authorization"] = "Basic " .. basic})
  elseif endpoint == "history" then
    -- A page of 50 ending anywhere in the seeded history, as a client scrolling back.
    local before = math.random(51, seeded + 1)
    local path = string.format("/api/v2/channels/%s/messages?limit=50&before=%d", channel, before)
    return wrk.format("GET", path)
  end
  return wrk.format("GET", "/healthz")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"http_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
