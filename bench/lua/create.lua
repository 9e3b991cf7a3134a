-- POST /Users with fresh userNames. With BENCH_FIRST set, the names are PREFIX{FIRST},
-- PREFIX{FIRST+1}, … (used to seed the directory; run it with -t1 so they never collide).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local prefix = os.getenv("BENCH_PREFIX") or "user"
local first = tonumber(os.getenv("BENCH_FIRST") or "-1")

local sent = 0
request = function()
  local n
  if first >= 0 then
    n = first + sent
  else
    n = string.format("%d-%d-", os.time(), sent) .. math.random(1000000)
  end
  sent = sent + 1
  local name = prefix .. n .. "@bench.example"
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name
    .. '","name":{"givenName":"Bench","familyName":"User' .. n .. '"},'
    .. '"emails":[{"primary":true,"type":"work","value":"' .. name .. '"}],'
    .. '"displayName":"Bench User","externalId":"ext-' .. n .. '","active":true,'
    .. '"urn:ietf:params:scim:schemas:extension:roster:2.0:User":{"managementLevel":"Manager","language":"en-US"}}'
  return wrk.format("POST", wrk.path .. "/Users", headers, body)
end

response = function(status, _, _)
  if status ~= 201 and counted < 3 then
    counted = counted + 1
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
