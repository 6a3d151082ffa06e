#!/usr/bin/env bash
# Sets everything up and runs the platform at http://localhost:3000 with the demo data.
# Safe to run again: it skips what is already done.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

started=$(date +%s)
ensure_base_tools
ensure_rust_tools
ensure_sqlx_cli
ensure_npm_packages "$ROOT"
ensure_services

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/plataforma}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
say "Preparando o banco de dados"
sqlx database create
sqlx migrate run --source migrations >/dev/null

# Rebuild only when a source changed since the last release build (the test command builds its
# own site, in target/site-test, and never touches this one).
stamp=target/.release-build-stamp
needs_build=1
if [ -f "$stamp" ] && [ -x target/release/server ] && compgen -G "target/site/pkg/plataforma*.wasm" >/dev/null; then
  changed=$(find app frontend server shared style migrations public Cargo.toml Cargo.lock \
    tailwind.config.js package-lock.json -newer "$stamp" -type f -print -quit)
  [ -z "$changed" ] && needs_build=0
fi
if [ "$needs_build" -eq 1 ]; then
  say "Compilando (release)"
  build_release_site
  touch "$stamp"
else
  say "Compilação em dia"
fi

export LEPTOS_ENV=PROD LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
export DEMO_MODE="${DEMO_MODE:-true}" BIND_ADDR="${BIND_ADDR:-0.0.0.0:3000}"
say "Pronto em $(( $(date +%s) - started )) s"
cat <<MSG

  Plataforma Omnichannel: http://localhost:3000
  Login de demonstração:   demo@plataforma.com / demo123

MSG
exec target/release/server
