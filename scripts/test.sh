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
apt_install chromium fonts-dejavu-core postgresql-client
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
cargo test

say "Compilando a aplicação para os testes de ponta a ponta"
cargo leptos build

say "Testes de ponta a ponta (Chromium)"
mkdir -p target/e2e-screenshots
drop_test_databases
server_log="$ROOT/target/e2e-server.log"
DATABASE_URL="$PG_ADMIN_URL/plataforma_e2e" \
  REDIS_NAMESPACE="e2e-$$" \
  BIND_ADDR="127.0.0.1:$E2E_PORT" \
  PUBLIC_URL="http://127.0.0.1:$E2E_PORT" \
  DEMO_MODE=true \
  LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  target/debug/server >"$server_log" 2>&1 &
server_pid=$!
stop_server() { kill -TERM "$server_pid" 2>/dev/null || true; }
trap stop_server EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$E2E_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$server_log"; warn "o servidor não iniciou"; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:$E2E_PORT/readyz" >/dev/null || { cat "$server_log"; warn "o servidor não ficou pronto"; exit 1; }
BASE_URL="http://127.0.0.1:$E2E_PORT" npm --prefix end2end test

say "Encerrando o servidor (SIGTERM) e conferindo o desligamento gracioso"
kill -TERM "$server_pid"
trap - EXIT
if wait "$server_pid"; then
  grep -q "stopped" "$server_log" && say "Servidor encerrado graciosamente"
else
  cat "$server_log"; warn "o servidor não encerrou bem"; exit 1
fi
drop_test_databases
say "Tudo certo. Capturas de tela em target/e2e-screenshots/"
