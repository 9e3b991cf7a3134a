# Conveniences on top of plain cargo; the README's two commands need none of this.

pg_dir := "data/pg"
pg_port := "5499"

# List the recipes.
default:
    @just --list

# Serve on http://127.0.0.1:8080 with SQLite under ./data.
run:
    cargo run --release --bin roster -- serve

# The whole test suite (SQLite and PostgreSQL).
test:
    cargo test --workspace

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Print the figures of docs/benchmarks.md: token checks, then SCIM load on both engines (needs wrk).
bench:
    cargo bench -p roster-tenant --bench tokens
    bash bench/scim.sh sqlite postgres

# Start a local PostgreSQL for trying Roster on it: ROSTER_DATABASE_URL=postgres://postgres@127.0.0.1:5499/postgres
pg-start:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
    mkdir -p {{pg_dir}}
    if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); chown -R postgres {{pg_dir}}; else run=(); fi
    [ -f {{pg_dir}}/PG_VERSION ] || "${run[@]}" "$bin/initdb" -D {{pg_dir}} -U postgres --auth=trust >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D {{pg_dir}} -l {{pg_dir}}/log -w -o "-p {{pg_port}} -k /tmp -c listen_addresses=127.0.0.1" start
    echo "ROSTER_DATABASE_URL=postgres://postgres@127.0.0.1:{{pg_port}}/postgres"

# Stop the local PostgreSQL.
pg-stop:
    #!/usr/bin/env bash
    bin="$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")"
    if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); else run=(); fi
    "${run[@]}" "$bin/pg_ctl" -D {{pg_dir}} stop -m fast

# Create migration NAME for both engines, with the same version number.
migration NAME:
    #!/usr/bin/env bash
    set -euo pipefail
    last="$(ls migrations/sqlite | sed -n 's/^\([0-9]*\)_.*/\1/p' | sort -n | tail -n 1)"
    next="$(printf '%04d' $((10#${last:-0} + 1)))"
    for engine in sqlite postgres; do
      echo "-- {{NAME}}" > "migrations/$engine/${next}_{{NAME}}.sql"
      echo "migrations/$engine/${next}_{{NAME}}.sql"
    done

# Fuzz the filter and PATCH parsers, SECONDS each (nightly toolchain; cargo fuzz's flags, no cargo-fuzz needed).
fuzz seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    cd crates/roster-scim/fuzz
    target=x86_64-unknown-linux-gnu
    RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions" \
      cargo +nightly build --release --bins --target "$target"
    for name in filter patch; do
      mkdir -p "corpus/$name" "artifacts/$name"
      "target/$target/release/$name" -max_total_time={{seconds}} -artifact_prefix="artifacts/$name/" "corpus/$name"
    done
