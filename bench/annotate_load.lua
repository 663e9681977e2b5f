-- wrk script for bench/annotate_load.py: one connection per thread, each thread one signed-in annotator doing
-- GET next -> PUT annotation (submitted). A thread stops at its first response after the deadline, so every
-- submit it sent has been answered and counted (the database's count must equal the 200s counted here).
local sessions = {}
for line in io.lines(os.getenv("QUORUM_LOAD_SESSIONS")) do
  local cookie, csrf = line:match("^(%S+) (%S+)$")
  table.insert(sessions, { cookie = cookie, csrf = csrf })
end
local threads = {}

function setup(thread)
  local session = sessions[#threads + 1]
  thread:set("cookie", session.cookie)
  thread:set("csrf", session.csrf)
  thread:set("project", os.getenv("QUORUM_LOAD_PROJECT"))
  thread:set("deadline", tonumber(os.getenv("QUORUM_LOAD_DEADLINE")))
  table.insert(threads, thread)
end

function init(args)
  item, submits, failures, exhausted = nil, 0, 0, 0
  body = '{"status":"submitted","labels":["a"],"version":0}'
end

function request()
  if item then
    return wrk.format("PUT", "/api/items/" .. item .. "/annotation",
      { ["Cookie"] = cookie, ["X-CSRF-Token"] = csrf, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/api/projects/" .. project .. "/next", { ["Cookie"] = cookie })
end

function response(status, headers, text)
  if item then
    if status == 200 then submits = submits + 1 else failures = failures + 1 end
    item = nil
  elseif status == 200 then
    item = text:match('"item":{"id":(%d+)')
    if not item then failures = failures + 1 end
  elseif status == 204 then
    exhausted = 1
    wrk.thread:stop()
  else
    failures = failures + 1
  end
  if item == nil and os.time() >= deadline then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local submitted, failed, exhausted = 0, 0, 0
  for _, thread in ipairs(threads) do
    submitted = submitted + thread:get("submits")
    failed = failed + thread:get("failures")
    exhausted = exhausted + thread:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT submits=%d failures=%d exhausted=%d requests=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    submitted, failed, exhausted, summary.requests, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
