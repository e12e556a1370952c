-- POST /api/jobs for bench/api-bench.sh (issue 14): every request a job of its own, so that none is merged into
-- an earlier one (bench.api derives no dedupe key; the payload differs by run, thread and number anyway).
-- wrk ... -s post.lua URL -- RUN_TAG ; the API token comes from ROOMOTE_BENCH_TOKEN in the environment.
local all_threads = {}

-- Runs in wrk's main Lua state, once per thread: numbers the threads.
function setup(thread)
  table.insert(all_threads, thread)
  thread:set("thread_no", #all_threads)
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

-- With ROOMOTE_BENCH_STATUSES=1 (api-bench --show-non-2xx): count answers of status 300 or more and print the
-- first one's status and body per thread at the end. Off by default: with a response function wrk reads every
-- answer's headers and body into Lua, which costs it a little.
if os.getenv("ROOMOTE_BENCH_STATUSES") == "1" then
  function response(status, headers, body)
    if status >= 300 then
      unusual = (unusual or 0) + 1
      if first_unusual == nil then
        first_unusual = status .. " " .. (body or "")
      end
    end
  end

  function done(summary, latency, requests)
    for i, t in ipairs(all_threads) do
      local first = t:get("first_unusual")
      if first ~= nil then
        io.write(string.format("thread %d: %d answer(s) of status >= 300; the first: %s\n", i, t:get("unusual"), first))
      end
    end
  end
end
