-- Okta's import: pages of 100 walked in order (startIndex 1, 101, 201, …), wrapping around.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local total = tonumber(os.getenv("BENCH_TOTAL"))
local start = 1
request = function()
  local path = wrk.path .. "/Users?startIndex=" .. start .. "&count=100"
  start = start + 100
  if start > total then start = 1 end
  return wrk.format("GET", path, headers)
end
