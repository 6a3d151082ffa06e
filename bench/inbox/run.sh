#!/usr/bin/env bash
# Inbox benchmark: builds the release server and the load tools, starts the server with the demo
# data against its own database, seeds 100,000 conversations and 1,000,000 messages
# (bench/inbox/seed.sql), then measures the list, a search, a long conversation and the live
# feed's fan-out with target/release/inbox. The server stops at the end.
# Usage: bench/inbox/run.sh [--agents 20] [--seconds 20] [--search fatura] [--sockets 200]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services

PORT="${BENCH_PORT:-3300}"
URL="http://127.0.0.1:$PORT"
DB_NAME=plataforma_bench_inbox
DB="postgres://postgres@127.0.0.1:5432/$DB_NAME"
ADMIN_DB="postgres://postgres@127.0.0.1:5432/postgres"
LOG=target/bench-inbox-server.log

say "Recriando o banco $DB_NAME"
psql "$ADMIN_DB" -q -c "drop database if exists $DB_NAME with (force)"
psql "$ADMIN_DB" -q -c "create database $DB_NAME"

bench_prepare

say "Subindo o servidor em :$PORT (migrações e dados de demonstração)"
DATABASE_URL="$DB" REDIS_NAMESPACE=bench-inbox BIND_ADDR="127.0.0.1:$PORT" \
  PUBLIC_URL="$URL" DEMO_MODE=true RUST_LOG=warn LEPTOS_ENV=PROD \
  LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  target/release/server > "$LOG" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
ready=0
for _ in $(seq 1 120); do
  if curl -fs "$URL/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 1
done
if [ "$ready" -ne 1 ]; then
  warn "O servidor não ficou pronto; fim do log ($LOG):"
  tail -n 30 "$LOG" >&2
  exit 1
fi

say "Semeando 100 000 conversas e 1 000 000 de mensagens"
psql "$DB" -v ON_ERROR_STOP=1 -f bench/inbox/seed.sql

say "Medindo"
DATABASE_URL="$DB" "$BENCH_BIN/inbox" --url "$URL" "$@"
