-- GET /Groups as Okta's spec test does (no parameters), or with BENCH_QUERY appended.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local query = os.getenv("BENCH_QUERY") or ""
request = function()
  return wrk.format("GET", wrk.path .. "/Groups" .. query, headers)
end
