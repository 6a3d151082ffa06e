#!/usr/bin/env bash
# The flow builder with a 500-block flow, on the release server and site: open time and frame
# times while dragging (bench/flows/canvas.js). Usage: bench/flows/run.sh [blocks]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services
apt_install chromium
ensure_npm_packages "$ROOT/end2end"

PORT="${BENCH_PORT:-3300}"
DB="postgres://postgres@127.0.0.1:5432/plataforma_bench"
psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists plataforma_bench with (force)"

# Only the release server and site (no load generators): bench_prepare's first half.
ensure_rust_tools
ensure_npm_packages "$ROOT"
say "Compilando (release) o servidor e o site"
build_release_site
export SESSION_SECRET ENCRYPTION_KEY
SESSION_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
ENCRYPTION_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg

say "Subindo o servidor em :$PORT"
DATABASE_URL="$DB" REDIS_NAMESPACE="bench-$$" BIND_ADDR="127.0.0.1:$PORT" \
  PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn LEPTOS_ENV=PROD DEMO_MODE=true DEMO_LOCKED=false \
  target/release/server > target/bench-server.log 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 1
done

node bench/flows/canvas.js "http://127.0.0.1:$PORT" "${1:-500}"
