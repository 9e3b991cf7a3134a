dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local start = os.getenv("BENCH_START") or "1"
request = function()
  return wrk.format("GET", wrk.path .. "/Users?startIndex=" .. start .. "&count=100", headers)
end
