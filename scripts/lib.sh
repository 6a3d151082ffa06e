#!/usr/bin/env bash
# Shared steps of scripts/run.sh and scripts/test.sh: install what is missing (and only that),
# and make sure PostgreSQL and Redis answer on 127.0.0.1, starting private ones if they do not.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$ROOT/.data"
WASM_BINDGEN_VERSION="0.2.130"
CARGO_LEPTOS_VERSION="0.3.11"
SQLX_CLI_VERSION="0.8.6"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Instalando pacotes Debian: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_base_tools() {
  apt_install ca-certificates curl build-essential pkg-config
  if ! command -v cargo >/dev/null; then
    say "Instalando Rust (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    say "Adicionando o alvo wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Instalando cargo-leptos $CARGO_LEPTOS_VERSION (leva alguns minutos na primeira vez)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "Instalando wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # No --locked: its lockfile pins a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_sqlx_cli() {
  if ! sqlx --version 2>/dev/null | grep -q "$SQLX_CLI_VERSION"; then
    say "Instalando sqlx-cli $SQLX_CLI_VERSION"
    cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked --no-default-features --features postgres,rustls
  fi
}

SCHEMATHESIS_VERSION="4.32.5"
CARGO_FUZZ_VERSION="0.13.2"

ensure_cargo_fuzz() {
  if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    say "Instalando cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
}

ensure_schemathesis() {
  if ! schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    say "Instalando schemathesis $SCHEMATHESIS_VERSION (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

ensure_npm_packages() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Instalando pacotes npm em ${dir#$ROOT/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && echo "$bin"
}

# Debian's package starts its own cluster on 5432 with password authentication over TCP; a
# machine that had no PostgreSQL gets a private trust-auth cluster instead, so stop that one.
stop_distro_postgres() {
  as_root systemctl disable --now postgresql >/dev/null 2>&1 || true
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}' |
      while read -r version cluster; do
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop || true
      done
  fi
}

ensure_postgres() {
  if port_open 5432; then return 0; fi
  if [ -z "$(pg_bin || true)" ]; then
    apt_install postgresql
    stop_distro_postgres
  fi
  local bin; bin="$(pg_bin)"
  local dir="$DATA_DIR/postgres"
  say "PostgreSQL não está no ar em 127.0.0.1:5432: iniciando um privado em .data/postgres"
  mkdir -p "$DATA_DIR"
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root, and its user may not reach a checkout under /root:
    # then the cluster lives in its home and .data/postgres points to it.
    run_as=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "$DATA_DIR" 2>/dev/null; then
      local home="/var/lib/postgresql/plataforma-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
      mkdir -p "$home" && chown postgres: "$home"
      [ -L "$dir" ] || { rm -rf "$dir"; ln -s "$home" "$dir"; }
    else
      mkdir -p "$dir" && chown postgres: "$dir"
    fi
  else
    mkdir -p "$dir"
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    "${run_as[@]}" "$bin/initdb" -D "$dir/" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p 5432 -k /tmp" start >/dev/null
}

ensure_redis() {
  if port_open 6379; then return 0; fi
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server
    # Debian's package may have started its own server (no password, loopback): use it.
    sleep 1
    port_open 6379 && return 0
  fi
  say "Redis não está no ar em 127.0.0.1:6379: iniciando um privado em .data/redis"
  mkdir -p "$DATA_DIR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$DATA_DIR/redis" \
    --logfile "$DATA_DIR/redis/redis.log" --save "" --appendonly no
  for _ in $(seq 1 50); do port_open 6379 && return 0; sleep 0.1; done
  warn "Redis não respondeu"; return 1
}

ensure_services() {
  ensure_postgres
  ensure_redis
}

# The release server and site: the wasm split by page (each page loads its own code), file names
# with content hashes, and every asset precompressed with brotli and gzip.
build_release_site() {
  # cargo-leptos runs wasm-bindgen, the split and wasm-opt again on every build, minutes on two
  # cores, even when nothing changed: skip it while the release server and site are newer than
  # every source they are built from.
  local stamp="$ROOT/target/site/.release-built"
  if [ -f "$stamp" ] && [ -x "$ROOT/target/release/server" ] && [ -z "$(
    find "$ROOT"/{app,server,shared,frontend,style,migrations} "$ROOT"/Cargo.toml \
      "$ROOT"/Cargo.lock "$ROOT"/tailwind.config.js "$ROOT"/package.json \
      -newer "$stamp" -not -path '*/node_modules/*' -print -quit 2>/dev/null
  )" ]; then
    say "O servidor e o site de release estão em dia com o código: nada a recompilar"
    return 0
  fi
  cargo leptos build --release --split --precompress
  touch "$stamp"
}

# For the load tools under bench/: the release server and site exactly as scripts/run.sh builds
# them (cargo-leptos, in target/), the load generators in their own target directory (a plain
# `cargo build` beside cargo-leptos' would rebuild the server's dependencies with other flags),
# and fresh keys, since a production-mode server refuses the public development ones.
bench_prepare() {
  ensure_rust_tools
  ensure_npm_packages "$ROOT"
  say "Compilando (release) o servidor e o site"
  build_release_site
  say "Compilando (release) os geradores de carga"
  CARGO_TARGET_DIR="$ROOT/target/bench-tools" cargo build --release -p bench
  BENCH_BIN="$ROOT/target/bench-tools/release"
  export SESSION_SECRET ENCRYPTION_KEY
  SESSION_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  ENCRYPTION_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  export LEPTOS_OUTPUT_NAME=plataforma LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
}
