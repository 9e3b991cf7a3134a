dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local flip = false
request = function()
  flip = not flip
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
    .. '"Operations":[{"op":"replace","value":{"active":' .. tostring(flip) .. '}}]}'
  return wrk.format("PATCH", wrk.path .. "/Users/" .. random_id(), headers, body)
end
