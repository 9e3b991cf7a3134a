dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  return wrk.format("GET", wrk.path .. "/Users/" .. random_id(), headers)
end
