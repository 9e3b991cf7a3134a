-- Shared by the scripts: the bearer token and the number of seeded users come from the
-- environment that bench/scim.sh sets.
token = os.getenv("BENCH_TOKEN")
users = tonumber(os.getenv("BENCH_USERS") or "1000")
ids = {}
local file = os.getenv("BENCH_IDS")
if file then
  for line in io.lines(file) do ids[#ids + 1] = line end
end
headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Content-Type"] = "application/scim+json",
  ["Accept"] = "application/scim+json",
}
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

function random_id() return ids[math.random(#ids)] end

counted = 0
function response(status, _, _)
  if status >= 400 then
    counted = counted + 1
    if counted <= 3 then io.stderr:write("unexpected status " .. status .. "\n") end
  end
end
