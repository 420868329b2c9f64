-- wrk script of bench/crowd_paths.py: POST /api/v1/registrations, each request a new delegate.
-- REGISTER_PREFIX makes the addresses of one run's phase unique; REGISTER_ROUTES (comma-separated
-- route ids), when set, asks each registration for one of them, in turn: a registration with a seat.
local prefix = os.getenv("REGISTER_PREFIX") or "wrk"
local routes = {}
for id in string.gmatch(os.getenv("REGISTER_ROUTES") or "", "%d+") do routes[#routes + 1] = id end
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tag", prefix .. threads .. "-" .. math.random(1, 1000000000))
end

local count = 0
request = function()
  count = count + 1
  local route = ""
  if #routes > 0 then
    route = string.format(', "route_id": %s, "join_waitlist": false', routes[count % #routes + 1])
  end
  local body = string.format(
    '{"given_name": "Bench", "family_name": "Delegate", "email": "%s-%d@example.org", ' ..
    '"organisation": "Benchmark", "country": "CN", "category": "other", "consent": true%s}', tag, count, route)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
