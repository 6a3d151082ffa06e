#!/usr/bin/env bash
# Runs every check: formatting, clippy (server and wasm), unit and integration tests against real
# PostgreSQL and Redis, and the end-to-end tests in Chromium against a freshly built server.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

E2E_PORT="${E2E_PORT:-3100}"
PG_ADMIN_URL="postgres://postgres@127.0.0.1:5432"

ensure_base_tools
ensure_rust_tools
ensure_npm_packages "$ROOT"
ensure_npm_packages "$ROOT/end2end"
ensure_schemathesis
ensure_cargo_fuzz
apt_install chromium fonts-dejavu-core fonts-noto-color-emoji postgresql-client
# server/tests/api/redis_restart.rs kills and restarts a Redis of its own.
command -v redis-server >/dev/null || apt_install redis-server
ensure_services

drop_test_databases() {
  psql "$PG_ADMIN_URL/postgres" -At -c \
    "select datname from pg_database where datname like 'test\_%' or datname = 'plataforma_e2e'" |
    while read -r db; do
      psql "$PG_ADMIN_URL/postgres" -q -c "drop database if exists \"$db\" with (force)"
    done
}

say "cargo fmt --check"
cargo fmt --all --check

say "cargo clippy (servidor e testes)"
cargo clippy --all-targets -- -D warnings
say "cargo clippy (navegador, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "Testes de unidade e de integração (PostgreSQL e Redis reais)"
drop_test_databases
# The suite writes down each SQL statement it executed (backend feature sql-coverage, on for
# tests); afterwards every registered statement must have run with real rows (backend::db::sql).
export SQL_COVERAGE_FILE="$ROOT/target/sql-coverage.txt"
rm -f "$SQL_COVERAGE_FILE"
cargo test
say "Cobertura do SQL: cada instrução registrada foi executada pelos testes"
cargo test -p server --test api -- --ignored --exact sql::every_registered_statement_was_executed_by_the_suite
unset SQL_COVERAGE_FILE

say "Fuzzing (cargo fuzz, ${FUZZ_SECONDS:-20} s por alvo): webhook da Meta, passo do motor de fluxos, modelos de texto"
# The one stable toolchain builds libFuzzer's flags with RUSTC_BOOTSTRAP; no sanitizer, so a
# failure is a panic (which every input must avoid) rather than a memory error.
for target in webhook flow_step template; do
  mkdir -p "target/fuzz-corpus/$target"
  seeds=("fuzz/seeds/$target")
  [ "$target" = webhook ] && seeds=(server/tests/fixtures/whatsapp server/tests/fixtures/messenger server/tests/fixtures/instagram)
  [ -d "${seeds[0]}" ] || seeds=()
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" \
    "$ROOT/target/fuzz-corpus/$target" "${seeds[@]/#/$ROOT/}" -- \
    -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 -print_final_stats=1) \
    >"target/fuzz-$target.log" 2>&1 ||
    { tail -40 "target/fuzz-$target.log"; warn "o fuzzing de $target encontrou uma falha"; exit 1; }
  grep -E "^Done [0-9]+ runs" "target/fuzz-$target.log" | sed "s/^/  $target: /"
done

say "Compilando a aplicação para os testes de ponta a ponta"
# The debug site goes to its own directory: target/site is what a release server started by
# scripts/run.sh serves, and a debug wasm under it would break every page it serves.
TEST_SITE_ROOT=target/site-test
LEPTOS_SITE_ROOT="$TEST_SITE_ROOT" cargo leptos build --split
compgen -G "$TEST_SITE_ROOT/pkg/plataforma*.wasm" >/dev/null ||
  { warn "o site de teste não foi gerado em $TEST_SITE_ROOT"; exit 1; }

say "Testes de ponta a ponta (Chromium)"
mkdir -p target/e2e-screenshots
drop_test_databases
server_log="$ROOT/target/e2e-server.log"
server2_log="$ROOT/target/e2e-server2.log"
E2E_PORT2="${E2E_PORT2:-3101}"
E2E_GRAPH_PORT="${E2E_GRAPH_PORT:-3199}"
# Both instances share the database and the Redis namespace: one live view across them. Their
# WhatsApp channel talks to the fake Graph API that end2end/tests/inbox.spec.js serves.
e2e_env=(
  DATABASE_URL="$PG_ADMIN_URL/plataforma_e2e"
  REDIS_NAMESPACE="e2e-$$"
  DEMO_MODE=true
  # The browser tests create users and channels as the demo administrator, as a private demo
  # allows; the public demo's lock is covered by server/tests/api/demo_mode.rs.
  DEMO_LOCKED=false
  # Every browser test comes from 127.0.0.1: one "client" for the per-address limits.
  ANON_RATE_LIMIT_SCALE=20
  GRAPH_API_BASE_URL="http://127.0.0.1:$E2E_GRAPH_PORT"
  GRAPH_API_VERSION=v24.0
  GRAPH_RETRY_BASE_MS=200
  WHATSAPP_PHONE_NUMBER_ID=106540352242922
  WHATSAPP_BUSINESS_ACCOUNT_ID=102290129340398
  WHATSAPP_ACCESS_TOKEN=token-e2e
  WHATSAPP_BOT_FLOW=nenhum
  WHATSAPP_TEAM=nenhum
  META_APP_SECRET=segredo-e2e
  META_VERIFY_TOKEN=verificacao-e2e
  LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT="$TEST_SITE_ROOT" LEPTOS_SITE_PKG_DIR=pkg
)
env "${e2e_env[@]}" BIND_ADDR="127.0.0.1:$E2E_PORT" PUBLIC_URL="http://127.0.0.1:$E2E_PORT" \
  target/debug/server >"$server_log" 2>&1 &
server_pid=$!
server2_pid=""
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  [ -n "$server2_pid" ] && kill -TERM "$server2_pid" 2>/dev/null || true
}
trap stop_server EXIT
wait_ready() {
  local port="$1" pid="$2" log="$3"
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; warn "o servidor não iniciou"; exit 1; }
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$log"; warn "o servidor não ficou pronto"; exit 1; }
}
wait_ready "$E2E_PORT" "$server_pid" "$server_log"
# The second instance starts once the first has migrated the database.
env "${e2e_env[@]}" ROLES=web BIND_ADDR="127.0.0.1:$E2E_PORT2" PUBLIC_URL="http://127.0.0.1:$E2E_PORT2" \
  target/debug/server >"$server2_log" 2>&1 &
server2_pid=$!
wait_ready "$E2E_PORT2" "$server2_pid" "$server2_log"
BASE_URL="http://127.0.0.1:$E2E_PORT" BASE_URL2="http://127.0.0.1:$E2E_PORT2" \
  E2E_GRAPH_PORT="$E2E_GRAPH_PORT" META_APP_SECRET=segredo-e2e npm --prefix end2end test

say "API REST contra o próprio OpenAPI (schemathesis): nenhum 5xx, nenhuma resposta fora do documento"
# Meta, as the servers know it, answers during the run (the browser tests' fake has stopped).
python3 scripts/fake_graph.py "$E2E_GRAPH_PORT" >"$ROOT/target/schemathesis-graph.log" 2>&1 &
graph_pid=$!
api_token="$(env "${e2e_env[@]}" target/debug/server api-token create --name schemathesis --scope read \
  --scope contacts --scope conversations 2>/dev/null)"
schemathesis run "http://127.0.0.1:$E2E_PORT/api/v1/openapi.json" \
  -H "Authorization: Bearer $api_token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 40 --request-timeout 20 --generation-deterministic \
  >"$ROOT/target/schemathesis.log" 2>&1 ||
  { kill "$graph_pid"; tail -80 "$ROOT/target/schemathesis.log"; warn "schemathesis encontrou falhas na API"; exit 1; }
kill "$graph_pid" 2>/dev/null || true
grep -E "generated|passed" "$ROOT/target/schemathesis.log" | tail -2

kill -TERM "$server2_pid" 2>/dev/null || true
wait "$server2_pid" 2>/dev/null || true
server2_pid=""
say "Encerrando o servidor (SIGTERM) e conferindo o desligamento gracioso"
kill -TERM "$server_pid"
trap - EXIT
if wait "$server_pid"; then
  grep -q "stopped" "$server_log" && say "Servidor encerrado graciosamente"
else
  cat "$server_log"; warn "o servidor não encerrou bem"; exit 1
fi
drop_test_databases

say "Instalação de VPS: scripts/install-vps.sh --self-signed nesta máquina, conferida pelo nginx em https"
scripts/test_install_vps.sh "$ROOT/target/debug/server" "$ROOT/$TEST_SITE_ROOT"
say "Tudo certo. Capturas de tela em target/e2e-screenshots/"
