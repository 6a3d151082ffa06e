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
# Only this machine reaches it unless BIND_ADDR says otherwise (README: "Expor a demonstração").
export DEMO_MODE="${DEMO_MODE:-true}" BIND_ADDR="${BIND_ADDR:-127.0.0.1:3000}"
# Outside demo mode the server needs its own keys: made once, kept beside the checkout (mode 600).
if [ "$DEMO_MODE" != "true" ] && { [ -z "${SESSION_SECRET:-}" ] || [ -z "${ENCRYPTION_KEY:-}" ]; }; then
  keys="$ROOT/.chaves.env"
  if [ ! -f "$keys" ]; then
    say "Gerando SESSION_SECRET e ENCRYPTION_KEY em .chaves.env (guarde uma cópia: sem elas os segredos salvos não abrem)"
    (umask 077 && printf 'SESSION_SECRET=%s\nENCRYPTION_KEY=%s\n' \
      "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$keys")
  fi
  set -a && source "$keys" && set +a
fi
say "Pronto em $(( $(date +%s) - started )) s"
cat <<MSG

  Plataforma Omnichannel: http://localhost:3000
  Login de demonstração:   demo@plataforma.com / demo123

MSG
exec target/release/server
