-- wrk script: answer surveys. Each request POSTs `score=N` to /s/<token> with
-- `Accept: application/json` (what answer.js sends), taking the tokens round-robin from
-- the file in RAPPORT_BENCH_TOKENS (one raw token per line). Each wrk thread reads the
-- file and starts at its own share of it, so threads answer different invitations.
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("RAPPORT_BENCH_TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  if #tokens == 0 then error("no tokens in " .. os.getenv("RAPPORT_BENCH_TOKENS")) end
  local thread_count = tonumber(os.getenv("RAPPORT_BENCH_THREADS") or "1")
  position = math.floor(#tokens * (thread_index or 0) / thread_count)
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json" }
end

function request()
  position = position % #tokens + 1
  return wrk.format("POST", "/s/" .. tokens[position], headers, "score=" .. (position % 5 + 1))
end
