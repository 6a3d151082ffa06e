#!/usr/bin/env bash
# The flow builder's analytics on a year of data: 1,000,000 visits in a fresh database, the
# overlay's read timed before and after the daily roll-up (src/bin/flow_analytics.rs), on a
# release build. Usage: bench/flows/analytics.sh [--repeats 7]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$ROOT"
ensure_base_tools
ensure_services

DB_NAME=plataforma_bench_flows
ADMIN_DB="postgres://postgres@127.0.0.1:5432/postgres"
say "Recriando o banco $DB_NAME"
psql "$ADMIN_DB" -q -c "drop database if exists $DB_NAME with (force)"
psql "$ADMIN_DB" -q -c "create database $DB_NAME"

say "Compilando (release) a ferramenta"
CARGO_TARGET_DIR="$ROOT/target/bench-tools" cargo build --release -p bench --bin flow_analytics
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME" \
  "$ROOT/target/bench-tools/release/flow_analytics" "$@"
