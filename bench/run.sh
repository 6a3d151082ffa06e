#!/usr/bin/env bash
# Builds the release server and the load generators, starts the server against its own database
# with a WhatsApp channel declared by environment variables, and posts signed webhooks at a
# fixed rate. Usage: bench/run.sh [--rate 3000] [--seconds 10]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services

PORT="${BENCH_PORT:-3300}"
DB="postgres://postgres@127.0.0.1:5432/plataforma_bench"
psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists plataforma_bench with (force)"

bench_prepare

say "Subindo o servidor em :$PORT"
DATABASE_URL="$DB" REDIS_NAMESPACE="bench-$$" BIND_ADDR="127.0.0.1:$PORT" \
  PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn LEPTOS_ENV=PROD \
  WHATSAPP_PHONE_NUMBER_ID=106540352242922 WHATSAPP_ACCESS_TOKEN=token-bench \
  META_APP_SECRET=segredo-bench META_VERIFY_TOKEN=verificacao-bench \
  GRAPH_API_BASE_URL=http://127.0.0.1:9 \
  target/release/server > target/bench-server.log 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 1
done

DATABASE_URL="$DB" "$BENCH_BIN/webhooks" --url "http://127.0.0.1:$PORT" "$@"
