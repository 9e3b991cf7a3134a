#!/usr/bin/env bash
# SCIM load benchmark: starts `roster` (release build) on SQLite and on PostgreSQL, seeds
# 100,000 users in one tenant (and 10,000 in two others), and measures each request kind with
# wrk at 32 connections, the server and wrk pinned to separate cores where there are two.
# Usage: bench/scim.sh [sqlite|postgres]...   (default: both). Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=("${@:-sqlite postgres}")
engines=(${engines[@]})
DURATION="${BENCH_DURATION:-10s}"
USERS="${BENCH_USERS:-100000}"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)"; exit 1; }
cargo build --release --bin roster -q
ROSTER="${CARGO_TARGET_DIR:-$PWD/target}/release/roster"
export BENCH_LUA="$PWD/bench/lua"
work="$(mktemp -d /tmp/roster-bench.XXXXXX)"
server_cpu="0"; client_cpu="1"
[ "$(nproc)" -ge 2 ] || { server_cpu="0"; client_cpu="0"; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${pg_data:-}" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_postgres() {
  pg_bin="$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
  pg_data="$work/pg"; mkdir -p "$pg_data"; chown postgres "$work" "$pg_data" 2>/dev/null || true
  local port; port="$(free_port)"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" -w \
    -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

# run_wrk NAME SCRIPT URL [extra env...]: prints "NAME req/s p50 p99"
run_wrk() {
  local name="$1" script="$2" url="$3"; shift 3
  local out
  out="$(env "$@" taskset -c "$client_cpu" wrk -t1 -c32 -d"$DURATION" --latency -s "bench/lua/$script" "$url" 2>&1)"
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errors="$(grep -c 'unexpected status' <<<"$out" || true)"
  printf '%-34s %10s req/s   p50 %-9s p99 %-9s%s\n' "$name" "$rps" "$p50" "$p99" \
    "$([ "$errors" -gt 0 ] && echo "  (errors seen)")"
}

total_users() { # total_users URL TOKEN
  curl -sf -H "Authorization: Bearer $2" "$1/Users?count=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalResults"])'
}

# seed URL TOKEN PREFIX COUNT: creates users PREFIX0.. until the tenant has COUNT of them, in
# timed wrk runs sized by the rate measured so far; prints the creation rate (users/s).
# run_wrk_pair NAME SCRIPT URL1 URL2 [env...]: two wrk at once, 16 connections each; prints the
# summed req/s and the worse p99.
run_wrk_pair() {
  local name="$1" script="$2" url1="$3" url2="$4"; shift 4
  local a b
  a="$(mktemp)"; b="$(mktemp)"
  env "$@" taskset -c "$client_cpu" wrk -t1 -c16 -d"$DURATION" --latency -s "bench/lua/$script" "$url1" >"$a" 2>&1 &
  local first=$!
  env "$@" taskset -c "$client_cpu" wrk -t1 -c16 -d"$DURATION" --latency -s "bench/lua/$script" "$url2" >"$b" 2>&1
  wait "$first"
  local rps p99a p99b
  rps="$(cat "$a" "$b" | awk '/Requests\/sec/ {s += $2} END {printf "%.2f", s}')"
  p99a="$(awk '$1=="99%" {print $2}' "$a")"; p99b="$(awk '$1=="99%" {print $2}' "$b")"
  printf '%-34s %10s req/s   p99 %s / %s\n' "$name" "$rps" "$p99a" "$p99b"
  rm -f "$a" "$b"
}

seed() {
  local url="$1" token="$2" prefix="$3" target="$4" have seconds=2 rate=0 out
  have="$(total_users "$url" "$token")"
  while [ "$have" -lt "$target" ]; do
    out="$(env BENCH_TOKEN="$token" BENCH_PREFIX="$prefix" BENCH_FIRST="$have" \
      taskset -c "$client_cpu" wrk -t1 -c32 -d"${seconds}s" -s bench/lua/create.lua "$url" 2>&1)"
    rate="$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")"
    have="$(total_users "$url" "$token")"
    seconds=$(( (target - have) / (rate > 0 ? rate : 1) ))
    seconds=$(( seconds < 1 ? 1 : (seconds > 30 ? 30 : seconds) ))
  done
  echo "$rate"
}

fetch_ids() { # fetch_ids URL TOKEN FILE
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, urllib.request
base, token, path = sys.argv[1:]
ids, start = [], 1
while True:
    req = urllib.request.Request(f"{base}/Users?startIndex={start}&count=1000&attributes=id",
                                 headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req))
    ids += [r["id"] for r in page["Resources"]]
    start += 1000
    if start > page["totalResults"]:
        break
open(path, "w").write("\n".join(ids) + "\n")
PY
}

# make_groups URL TOKEN IDS_FILE: a group of 50,000 members (bench tenant) or, with COUNT, COUNT
# groups of 5 members each; prints the big group's id.
make_groups() {
  python3 - "$@" <<'PY'
import json, sys, urllib.request
base, token, ids_file, mode = sys.argv[1:5]
ids = open(ids_file).read().split()
def call(method, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    return json.load(urllib.request.urlopen(req))
if mode == "big":
    group = call("POST", "/Groups", {"displayName": "Everyone", "members": []})["id"]
    for start in range(0, 50000, 10000):
        members = [{"value": i} for i in ids[start:start + 10000]]
        call("PATCH", f"/Groups/{group}?excludedAttributes=members",
             {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "add", "path": "members", "value": members}]})
    print(group)
else:
    for n in range(int(mode)):
        members = [{"value": ids[(n * 5 + k) % len(ids)]} for k in range(5)]
        call("POST", "/Groups", {"displayName": f"Team {n:04}", "members": members})
PY
}

for engine in "${engines[@]}"; do
  dir="$work/$engine"; mkdir -p "$dir"
  port="$(free_port)"
  if [ "$engine" = postgres ]; then url="$(start_postgres)"; else url="sqlite://$dir/roster.db"; fi
  export ROSTER_DATABASE_URL="$url" ROSTER_DATA_DIR="$dir" ROSTER_LOG=warn \
    ROSTER_LISTEN="127.0.0.1:$port" ROSTER_SCIM_RATE_LIMIT=10000000 ROSTER_SCIM_RATE_BURST=10000000
  "$ROSTER" migrate >/dev/null
  tokens=()
  for slug in bench other-a other-b; do
    "$ROSTER" tenant create --name "$slug" --slug "$slug" --admin-email "it@$slug.example" >/dev/null
    tokens+=("$("$ROSTER" token mint "$slug" 2>/dev/null)")
  done
  taskset -c "$server_cpu" "$ROSTER" serve 2>"$dir/server.log" &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$port/scim/v2/bench"
  token="${tokens[0]}"
  echo "== $engine ($(nproc) cores; server on cpu $server_cpu, wrk on cpu $client_cpu; $DURATION per run)"
  seed "http://127.0.0.1:$port/scim/v2/other-a" "${tokens[1]}" other 10000 >/dev/null
  seed "http://127.0.0.1:$port/scim/v2/other-b" "${tokens[2]}" other 10000 >/dev/null
  seed "$base" "$token" user 1000 >/dev/null
  run_wrk "filter userName eq (1,000 users)" filter.lua "$base" BENCH_TOKEN="$token" BENCH_USERS=1000
  rate="$(seed "$base" "$token" user "$USERS")"
  printf '%-34s %10s users/s (while seeding to %s users)\n' "POST create (seed)" "$rate" "$USERS"
  fetch_ids "$base" "$token" "$dir/ids"
  export BENCH_IDS="$dir/ids"
  total="$(wc -l <"$dir/ids")"
  # Okta pushes groups too: half the users belong to one big group before anything is measured,
  # so that every read of a user also reads its groups.
  big="$(make_groups "$base" "$token" "$dir/ids" big)"
  echo "   directory: $total users in the measured tenant (50,000 of them in one group), 20,000 in two others"
  run_wrk "GET /Users/{id}" get_by_id.lua "$base" BENCH_TOKEN="$token"
  run_wrk "filter userName eq ($total users)" filter.lua "$base" BENCH_TOKEN="$token" BENCH_USERS="$USERS"
  run_wrk "page of 100, startIndex=1" page.lua "$base" BENCH_TOKEN="$token" BENCH_START=1
  cold="$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$base/Users?startIndex=$((total - 100))&count=100")"
  printf '%-34s %10s s (one request, no page anchor yet)\n' "cold page, startIndex=$((total - 100))" "$cold"
  run_wrk "page of 100, startIndex=$((total - 100))" page.lua "$base" BENCH_TOKEN="$token" BENCH_START="$((total - 100))"
  run_wrk "import walk, pages of 100 in order" import_walk.lua "$base" BENCH_TOKEN="$token" BENCH_TOTAL="$total"
  run_wrk "PATCH deactivate/reactivate" patch.lua "$base" BENCH_TOKEN="$token"
  run_wrk "POST create" create.lua "$base" BENCH_TOKEN="$token" BENCH_PREFIX="load"
  run_wrk "PATCH 1 member, 50,000-member group" group_patch.lua "$base" BENCH_TOKEN="$token" BENCH_GROUP="$big"
  other="http://127.0.0.1:$port/scim/v2/other-a"
  fetch_ids "$other" "${tokens[1]}" "$dir/other-ids"
  make_groups "$other" "${tokens[1]}" "$dir/other-ids" 1000
  run_wrk "GET /Groups (1,000 groups)" groups_list.lua "$other" BENCH_TOKEN="${tokens[1]}"
  run_wrk "GET /Groups?excludedAttributes=members" groups_list.lua "$other" BENCH_TOKEN="${tokens[1]}" BENCH_QUERY="?excludedAttributes=members"
  rss="$(ps -o rss= -p "$pid" | tr -d ' ')"
  echo "   server memory (RSS) after the runs: $((rss / 1024)) MB"
  if [ "$engine" = postgres ]; then
    # A second process on the same database; the client splits its connections between the two.
    port2="$(free_port)"
    ROSTER_LISTEN="127.0.0.1:$port2" taskset -c "$server_cpu" "$ROSTER" serve 2>"$dir/server2.log" &
    pid2=$!; pids+=("$pid2")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port2/healthz" >/dev/null && break; sleep 0.1; done
    base2="http://127.0.0.1:$port2/scim/v2/bench"
    echo "   two processes on one PostgreSQL (16 connections to each, from one wrk per process):"
    run_wrk_pair "GET /Users/{id}, 2 processes" get_by_id.lua "$base" "$base2" BENCH_TOKEN="$token"
    run_wrk_pair "PATCH deactivate, 2 processes" patch.lua "$base" "$base2" BENCH_TOKEN="$token"
    echo "   the same, one process (16+16 connections to it):"
    run_wrk_pair "GET /Users/{id}, 1 process" get_by_id.lua "$base" "$base" BENCH_TOKEN="$token"
    run_wrk_pair "PATCH deactivate, 1 process" patch.lua "$base" "$base" BENCH_TOKEN="$token"
    kill "$pid2"; wait "$pid2" 2>/dev/null || true
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  unset BENCH_IDS
done
