#!/usr/bin/env bash
# Bot reply latency: builds the release server and the generator, starts the server in demo mode
# (the mock ERP answers at once, in the same process) with the demo flows on its WhatsApp
# channel, and runs `target/release/bot` (its own fake Graph API on :3398).
# Usage: bench/bot/run.sh [--rate 300] [--seconds 10] [--steps 1|3] [--warmup 8]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services

PORT="${BENCH_PORT:-3300}"
GRAPH_PORT="${BENCH_GRAPH_PORT:-3398}"
ADMIN="postgres://postgres@127.0.0.1:5432"
DB="$ADMIN/plataforma_bench_bot"
psql "$ADMIN/postgres" -q -c "drop database if exists plataforma_bench_bot with (force)"

bench_prepare

say "Subindo o servidor em :$PORT (modo demonstração)"
DATABASE_URL="$DB" REDIS_NAMESPACE="bench-bot-$$" BIND_ADDR="127.0.0.1:$PORT" \
  PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn LEPTOS_ENV=PROD DEMO_MODE=true \
  WHATSAPP_PHONE_NUMBER_ID=106540352242922 WHATSAPP_ACCESS_TOKEN=token-bench \
  WHATSAPP_BOT_FLOW=principal \
  META_APP_SECRET=segredo-bench META_VERIFY_TOKEN=verificacao-bench \
  GRAPH_API_BASE_URL="http://127.0.0.1:$GRAPH_PORT" GRAPH_API_VERSION=v24.0 \
  target/release/server > target/bench-bot-server.log 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 1
done

"$BENCH_BIN/bot" --url "http://127.0.0.1:$PORT" --graph-port "$GRAPH_PORT" "$@"
