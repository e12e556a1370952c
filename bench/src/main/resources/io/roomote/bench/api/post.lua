-- POST /api/jobs for bench/api-bench.sh (issue 14): every request a job of its own, so that none is merged into
-- an earlier one (bench.api derives no dedupe key; the payload differs by run, thread and number anyway).
-- wrk ... -s post.lua URL -- RUN_TAG ; the API token comes from ROOMOTE_BENCH_TOKEN in the environment.
local threads = 0

-- Runs in wrk's main Lua state, once per thread: numbers the threads.
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

-- Runs in each thread's own Lua state.
function init(args)
  run_tag = args[1] or "run"
  seq = 0
  local token = os.getenv("ROOMOTE_BENCH_TOKEN")
  if token == nil or token == "" then
    error("set ROOMOTE_BENCH_TOKEN to the runner's ROOMOTE_API_TOKEN")
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  seq = seq + 1
  local body = string.format('{"type":"bench.api","payload":{"run":"%s","thread":%d,"seq":%d}}',
    run_tag, thread_no, seq)
  return wrk.format(nil, nil, nil, body)
end
