-- wrk script: POST ticket events, each with a unique event id (thread id + counter),
-- spread over many tickets so the load looks like a real desk's.
local threads = {}
local counter = 0


function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("RAPPORT_BENCH_TOKEN")
  run = os.getenv("RAPPORT_BENCH_RUN") or "run"
end

local statuses = { "open", "pending", "resolved", "closed" }

function request()
  counter = counter + 1
  local n = thread_id * 100000000 + counter
  local body = string.format(
    '{"event_id":"bench-%s-%d","source":"bench","occurred_at":"2026-11-20T14:%02d:%02dZ",' ..
    '"ticket":{"external_id":"B%d","title":"Printer on floor 3 jams","status":"%s","category":"Hardware",' ..
    '"priority":"3","requester":{"email":"customer%d@example.com","name":"Customer %d","organization":"Org %d"},' ..
    '"assignee":{"email":"agent%d@desk.example","name":"Agent %d"},"team":"Team %d"}}',
    run, n, math.floor(counter / 60) % 60, counter % 60, n % 50000, statuses[counter % 4 + 1],
    n % 3000, n % 3000, n % 30, n % 40, n % 40, n % 8)
  return wrk.format("POST", "/api/v1/ticket-events",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors = (errors or 0) + 1
    if errors < 5 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
