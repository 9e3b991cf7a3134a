dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  local n = math.random(0, users - 1)
  local filter = "userName%20eq%20%22user" .. n .. "%40bench.example%22"
  return wrk.format("GET", wrk.path .. "/Users?filter=" .. filter, headers)
end
