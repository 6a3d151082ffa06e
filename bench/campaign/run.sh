#!/usr/bin/env bash
# Campaign benchmark: the release server (and a second worker instance with --instances 2)
# against the fake Graph API of bench/src/bin/fake_graph.rs, which holds the number to --rate
# messages per second (130429 beyond it) and posts the status webhooks back. Seeds
# --recipients contacts, sends one campaign to them and reports rate, duplicates and who was
# left out. With --kill, the first server is killed with kill -9 halfway and started again.
# Usage: bench/campaign/run.sh [--rate 80] [--recipients 100000] [--instances 1|2] [--kill]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services

RATE=80
RECIPIENTS=100000
INSTANCES=1
KILL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --recipients) RECIPIENTS="$2"; shift 2 ;;
    --instances) INSTANCES="$2"; shift 2 ;;
    --kill) KILL=1; shift ;;
    *) warn "opção desconhecida: $1"; exit 2 ;;
  esac
done

PORT="${BENCH_PORT:-3300}"
GRAPH_PORT="${BENCH_GRAPH_PORT:-3390}"
URL="http://127.0.0.1:$PORT"
DB_NAME=plataforma_bench_campaign
DB="postgres://postgres@127.0.0.1:5432/$DB_NAME"
ADMIN_DB="postgres://postgres@127.0.0.1:5432/postgres"

say "Recriando o banco $DB_NAME"
psql "$ADMIN_DB" -q -c "drop database if exists $DB_NAME with (force)"
psql "$ADMIN_DB" -q -c "create database $DB_NAME"

bench_prepare

export DATABASE_URL="$DB" REDIS_NAMESPACE="bench-campaign-$$" PUBLIC_URL="$URL" RUST_LOG=warn \
  LEPTOS_ENV=PROD WHATSAPP_PHONE_NUMBER_ID=106540352242922 WHATSAPP_ACCESS_TOKEN=token-bench \
  WHATSAPP_BUSINESS_ACCOUNT_ID=102290129340398 META_APP_SECRET=segredo-bench \
  META_VERIFY_TOKEN=verificacao-bench GRAPH_API_BASE_URL="http://127.0.0.1:$GRAPH_PORT" \
  TEMPLATE_SYNC_SCHEDULE="0 0 4 29 2 *"

pids=()
cleanup() {
  for p in "${pids[@]}" $(cat target/bench-campaign-restarted.pid 2>/dev/null); do
    kill -TERM "$p" 2>/dev/null
  done
  wait 2>/dev/null
}
trap cleanup EXIT
rm -f target/bench-campaign-restarted.pid

"$BENCH_BIN/fake_graph" --bind "127.0.0.1:$GRAPH_PORT" --limit "$RATE" \
  --webhook-url "$URL/webhooks/whatsapp" > target/bench-fake-graph.log 2>&1 &
pids+=($!)

# start_server PORT ROLES LOG: starts a server in the background; its pid in $started.
start_server() {
  BIND_ADDR="127.0.0.1:$1" ROLES="$2" target/release/server >> "$3" 2>&1 &
  started=$!
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$started" 2>/dev/null || break
    sleep 1
  done
  warn "O servidor em :$1 não ficou pronto; fim do log ($3):"
  tail -n 30 "$3" >&2
  exit 1
}

say "Subindo o servidor em :$PORT"
: > target/bench-campaign-server.log
start_server "$PORT" both target/bench-campaign-server.log
first=$started
pids+=("$first")
server_pids="$first"
if [ "$INSTANCES" -ge 2 ]; then
  say "Subindo uma segunda instância (só workers) em :$((PORT + 1))"
  : > target/bench-campaign-worker.log
  start_server "$((PORT + 1))" worker target/bench-campaign-worker.log
  pids+=("$started")
  server_pids="$server_pids,$started"
fi

TOKEN="$(target/release/server api-token create --name carga 2>/dev/null)"

kill_args=()
if [ "$KILL" -eq 1 ]; then
  restart=target/bench-campaign-restart.sh
  cat > "$restart" <<SH
BIND_ADDR=127.0.0.1:$PORT ROLES=both nohup target/release/server >> target/bench-campaign-server.log 2>&1 &
echo \$! > target/bench-campaign-restarted.pid
SH
  kill_args=(--kill-pid "$first" --restart "$restart")
fi

BENCH_API_TOKEN="$TOKEN" "$BENCH_BIN/campaign" --url "$URL" --graph "http://127.0.0.1:$GRAPH_PORT" \
  --recipients "$RECIPIENTS" --rate "$RATE" --server-pids "$server_pids" "${kill_args[@]}"
