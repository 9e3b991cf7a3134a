-- PATCH one member in or out of a large group, as Okta does, without echoing the members.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local group = os.getenv("BENCH_GROUP")
local add = false
request = function()
  add = not add
  local id = random_id()
  local op
  if add then
    op = '{"op":"add","path":"members","value":[{"value":"' .. id .. '"}]}'
  else
    op = '{"op":"remove","path":"members[value eq \\"' .. id .. '\\"]"}'
  end
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' .. op .. ']}'
  return wrk.format("PATCH", wrk.path .. "/Groups/" .. group .. "?excludedAttributes=members", headers, body)
end
