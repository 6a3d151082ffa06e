#!/usr/bin/env bash
# Installs the platform on one Debian 12 server, as root, behind nginx with TLS:
#
#   sudo scripts/install-vps.sh --domain atendimento.empresa.com.br --email ti@empresa.com.br
#
# It creates the system user `plataforma`, installs the release server and site under
# /opt/plataforma, writes /etc/plataforma/plataforma.env (mode 600, keys generated once and kept
# on every later run), a PostgreSQL role and database, systemd units for a web and a worker
# instance (restart on failure, graceful stop), nginx as the TLS reverse proxy (websocket and SSE
# settings, the caller's address passed on), a certificate from Let's Encrypt by certbot (or a
# self-signed one with --self-signed) and a daily pg_dump kept for --retention-days days.
# Running it again upgrades in place: the binary and site are replaced, keys and data stay.
#
# Restore a backup (stops the platform, restores, starts it again):
#   sudo /opt/plataforma/bin/plataforma-restore /var/backups/plataforma/plataforma-AAAA-MM-DD-HHMM.dump
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'TXT'
Uso: scripts/install-vps.sh --domain DOMÍNIO [opções]

  --domain DOMÍNIO       nome pelo qual a plataforma é acessada (obrigatório)
  --email EMAIL          e-mail para o Let's Encrypt (obrigatório sem --self-signed)
  --self-signed          certificado autoassinado em vez do Let's Encrypt
  --demo                 liga o modo demonstração (login demo@plataforma.com / demo123)
  --http-port N          porta HTTP do nginx (padrão 80)
  --https-port N         porta HTTPS do nginx (padrão 443)
  --retention-days N     dias de backups guardados (padrão 14)
  --app-port N           porta local do servidor web (padrão 3000; o worker usa a seguinte)
  --database NOME        banco e papel do PostgreSQL (padrão plataforma)
  --binary ARQUIVO       servidor já compilado (sem ele, compila em release)
  --site DIRETÓRIO       site já compilado (acompanha --binary)
  --no-start             instala sem iniciar os serviços
TXT
}

DOMAIN="" EMAIL="" SELF_SIGNED=0 DEMO=false HTTP_PORT=80 HTTPS_PORT=443 RETENTION_DAYS=14 WEB_PORT=3000 DB_NAME=plataforma
BINARY="" SITE="" START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN="$2"; shift 2 ;;
    --email) EMAIL="$2"; shift 2 ;;
    --self-signed) SELF_SIGNED=1; shift ;;
    --demo) DEMO=true; shift ;;
    --http-port) HTTP_PORT="$2"; shift 2 ;;
    --https-port) HTTPS_PORT="$2"; shift 2 ;;
    --retention-days) RETENTION_DAYS="$2"; shift 2 ;;
    --app-port) WEB_PORT="$2"; shift 2 ;;
    --database) DB_NAME="$2"; shift 2 ;;
    --binary) BINARY="$2"; shift 2 ;;
    --site) SITE="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; warn "opção desconhecida: $1"; exit 2 ;;
  esac
done
[ -n "$DOMAIN" ] || { usage; warn "informe --domain"; exit 2; }
[[ "$DOMAIN" =~ ^[A-Za-z0-9.-]+$ ]] || { warn "domínio inválido: $DOMAIN"; exit 2; }
[[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] || { warn "nome de banco inválido: $DB_NAME"; exit 2; }
[ "$SELF_SIGNED" -eq 1 ] || [ -n "$EMAIL" ] || { warn "informe --email para o Let's Encrypt (ou use --self-signed)"; exit 2; }
[ "$(id -u)" -eq 0 ] || { warn "execute como root (sudo)"; exit 1; }
for n in "$HTTP_PORT" "$HTTPS_PORT" "$RETENTION_DAYS" "$WEB_PORT"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { warn "número inválido: $n"; exit 2; }
done

PREFIX=/opt/plataforma
ETC=/etc/plataforma
ENV_FILE="$ETC/plataforma.env"
BACKUPS=/var/backups/plataforma
SVC_USER=plataforma
WORKER_PORT=$((WEB_PORT + 1))
PUBLIC_URL="https://$DOMAIN"
[ "$HTTPS_PORT" = 443 ] || PUBLIC_URL="https://$DOMAIN:$HTTPS_PORT"
has_systemd() { [ -d /run/systemd/system ]; }
random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

say "Pacotes do sistema"
packages=(nginx postgresql postgresql-client redis-server openssl ca-certificates curl)
[ "$SELF_SIGNED" -eq 1 ] || packages+=(certbot)
apt_install "${packages[@]}"

say "PostgreSQL e Redis"
if ! port_open 5432; then
  if has_systemd; then systemctl enable --now postgresql; else pg_ctlcluster "$(ls /etc/postgresql | sort -V | tail -1)" main start; fi
fi
if ! port_open 6379; then
  if has_systemd; then systemctl enable --now redis-server; else redis-server --daemonize yes --bind 127.0.0.1; fi
fi
for _ in $(seq 1 30); do port_open 5432 && port_open 6379 && break; sleep 1; done

if [ -z "$BINARY" ]; then
  say "Compilando (release) o servidor e o site"
  ensure_base_tools
  ensure_rust_tools
  ensure_npm_packages "$ROOT"
  (cd "$ROOT" && build_release_site)
  BINARY="$ROOT/target/release/server"
  SITE="$ROOT/target/site"
  LEPTOS_ENV_VALUE=PROD
else
  [ -x "$BINARY" ] && [ -d "$SITE" ] || { warn "--binary precisa de um executável e --site de um diretório"; exit 2; }
  # A site built for development (no hashed file names) is served with LEPTOS_ENV=DEV.
  LEPTOS_ENV_VALUE="${LEPTOS_ENV:-PROD}"
fi

say "Usuário do sistema e arquivos em $PREFIX"
id -u "$SVC_USER" >/dev/null 2>&1 ||
  useradd --system --home-dir "$PREFIX" --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
install -d -m 755 "$PREFIX" "$PREFIX/bin"
install -d -m 755 "$ETC"
install -d -m 700 "$BACKUPS"
install -m 755 "$BINARY" "$PREFIX/bin/server.new" && mv -f "$PREFIX/bin/server.new" "$PREFIX/bin/server"
rm -rf "$PREFIX/site.new" && cp -r "$SITE" "$PREFIX/site.new"
rm -rf "$PREFIX/site.old" && { [ ! -d "$PREFIX/site" ] || mv "$PREFIX/site" "$PREFIX/site.old"; }
mv "$PREFIX/site.new" "$PREFIX/site" && rm -rf "$PREFIX/site.old"
chmod -R a+rX "$PREFIX/site"

say "Banco de dados"
as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ -f "$ENV_FILE" ]; then
  # Kept from the first install: the keys open what is sealed, the password is the role's.
  DB_PASSWORD="$(sed -n 's#^DATABASE_URL=postgres://[a-z0-9_]*:\([^@]*\)@.*#\1#p' "$ENV_FILE")"
fi
DB_PASSWORD="${DB_PASSWORD:-$(random_hex)}"
if [ "$(as_postgres -c "select 1 from pg_roles where rolname = '$DB_NAME'")" != 1 ]; then
  as_postgres -c "create role $DB_NAME login password '$DB_PASSWORD'"
else
  as_postgres -c "alter role $DB_NAME login password '$DB_PASSWORD'"
fi
[ "$(as_postgres -c "select 1 from pg_database where datname = '$DB_NAME'")" = 1 ] ||
  as_postgres -c "create database $DB_NAME owner $DB_NAME"

say "Configuração em $ENV_FILE"
if [ ! -f "$ENV_FILE" ]; then
  (umask 077 && cat >"$ENV_FILE" <<ENV
# Plataforma Omnichannel. Guarde uma cópia das chaves: sem ENCRYPTION_KEY os segredos salvos
# (tokens da Meta, chave do ERP) não abrem. Para trocá-las, veja o README (rotação de chaves).
DATABASE_URL=postgres://$DB_NAME:$DB_PASSWORD@127.0.0.1:5432/$DB_NAME
REDIS_URL=redis://127.0.0.1:6379
SESSION_SECRET=$(random_hex)
ENCRYPTION_KEY=$(random_hex)
PUBLIC_URL=$PUBLIC_URL
DEMO_MODE=$DEMO
# nginx is the only caller: the address it passes on is the customer's.
TRUST_FORWARDED_FOR=true
LOG_FORMAT=json
LEPTOS_ENV=$LEPTOS_ENV_VALUE
LEPTOS_OUTPUT_NAME=plataforma
LEPTOS_SITE_ROOT=$PREFIX/site
LEPTOS_SITE_PKG_DIR=pkg
ENV
  )
else
  # Upgrades keep keys and data; only what this run was told changes.
  sed -i -e "s#^DATABASE_URL=.*#DATABASE_URL=postgres://$DB_NAME:$DB_PASSWORD@127.0.0.1:5432/$DB_NAME#" \
    -e "s#^PUBLIC_URL=.*#PUBLIC_URL=$PUBLIC_URL#" -e "s#^DEMO_MODE=.*#DEMO_MODE=$DEMO#" \
    -e "s#^LEPTOS_ENV=.*#LEPTOS_ENV=$LEPTOS_ENV_VALUE#" "$ENV_FILE"
fi
# Read by systemd (as root) for the units: nobody else reads it.
chown root:root "$ENV_FILE"
chmod 600 "$ENV_FILE"

say "Serviços (systemd)"
unit() {
  local name="$1" roles="$2" port="$3" metrics="$4"
  cat >"/etc/systemd/system/plataforma-$name.service" <<UNIT
[Unit]
Description=Plataforma Omnichannel ($name)
After=network-online.target postgresql.service redis-server.service
Wants=network-online.target

[Service]
User=$SVC_USER
Group=$SVC_USER
EnvironmentFile=$ENV_FILE
Environment=ROLES=$roles BIND_ADDR=127.0.0.1:$port METRICS_ADDR=127.0.0.1:$metrics
WorkingDirectory=$PREFIX
ExecStart=$PREFIX/bin/server
Restart=on-failure
RestartSec=3
# SIGTERM: the server stops taking requests, finishes what is under way and the workers' jobs.
KillSignal=SIGTERM
TimeoutStopSec=40
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
UNIT
}
unit web web "$WEB_PORT" $((WEB_PORT + 6464))
unit worker worker "$WORKER_PORT" $((WORKER_PORT + 6464))

cat >"$PREFIX/bin/plataforma-backup" <<BACKUP
#!/usr/bin/env bash
# A compressed dump of the database, kept for $RETENTION_DAYS days.
set -euo pipefail
set -a; source "$ENV_FILE"; set +a
file="$BACKUPS/plataforma-\$(date +%Y-%m-%d-%H%M).dump"
pg_dump --format=custom --file="\$file.partial" "\$DATABASE_URL"
mv "\$file.partial" "\$file"
find "$BACKUPS" -name 'plataforma-*.dump' -mtime +$RETENTION_DAYS -delete
echo "\$file"
BACKUP
cat >"$PREFIX/bin/plataforma-restore" <<RESTORE
#!/usr/bin/env bash
# Restores a dump of plataforma-backup: stops the platform, replaces the database, starts it.
set -euo pipefail
[ \$# -eq 1 ] && [ -f "\$1" ] || { echo "Uso: plataforma-restore ARQUIVO.dump" >&2; exit 2; }
set -a; source "$ENV_FILE"; set +a
if [ -d /run/systemd/system ]; then systemctl stop plataforma-web plataforma-worker; fi
pg_restore --clean --if-exists --no-owner --single-transaction --dbname="\$DATABASE_URL" "\$1"
if [ -d /run/systemd/system ]; then systemctl start plataforma-worker plataforma-web; fi
echo "Backup restaurado: \$1"
RESTORE
chmod 750 "$PREFIX/bin/plataforma-backup" "$PREFIX/bin/plataforma-restore"
cat >/etc/systemd/system/plataforma-backup.service <<UNIT
[Unit]
Description=Backup diário da Plataforma Omnichannel
After=postgresql.service

[Service]
# As root: only root reads the env file (mode 600) with the database password.
Type=oneshot
ExecStart=$PREFIX/bin/plataforma-backup
UNIT
cat >/etc/systemd/system/plataforma-backup.timer <<UNIT
[Unit]
Description=Backup diário da Plataforma Omnichannel

[Timer]
OnCalendar=*-*-* 03:30:00
Persistent=true

[Install]
WantedBy=timers.target
UNIT

say "Certificado TLS"
TLS_DIR="$ETC/tls"
install -d -m 750 "$TLS_DIR"
ACME_ROOT=/var/www/plataforma-acme
install -d -m 755 "$ACME_ROOT"
if [ "$SELF_SIGNED" -eq 1 ]; then
  if [ ! -f "$TLS_DIR/fullchain.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$DOMAIN" \
      -addext "subjectAltName=DNS:$DOMAIN" \
      -keyout "$TLS_DIR/privkey.pem" -out "$TLS_DIR/fullchain.pem" 2>/dev/null
  fi
  CERT="$TLS_DIR/fullchain.pem" KEY="$TLS_DIR/privkey.pem"
else
  CERT="/etc/letsencrypt/live/$DOMAIN/fullchain.pem" KEY="/etc/letsencrypt/live/$DOMAIN/privkey.pem"
fi

# IPv6 only where the kernel has it (a container may not).
V6_HTTP="" V6_HTTPS=""
if [ -f /proc/net/if_inet6 ]; then
  V6_HTTP="    listen [::]:$HTTP_PORT;"
  V6_HTTPS="    listen [::]:$HTTPS_PORT ssl http2;"
fi

nginx_site() {
  local tls="$1"
  {
    cat <<NGINX
# Plataforma Omnichannel (scripts/install-vps.sh)
map \$http_upgrade \$plataforma_connection {
    default upgrade;
    ''      '';
}

server {
    listen $HTTP_PORT;
$V6_HTTP
    server_name $DOMAIN;
    location /.well-known/acme-challenge/ { root $ACME_ROOT; }
    location / { return 301 https://\$host:$HTTPS_PORT\$request_uri; }
}
NGINX
    [ "$tls" = 1 ] && cat <<NGINX

server {
    listen $HTTPS_PORT ssl http2;
$V6_HTTPS
    server_name $DOMAIN;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:plataforma:10m;

    # WhatsApp documents go up to 100 MB.
    client_max_body_size 101m;

    location / {
        proxy_pass http://127.0.0.1:$WEB_PORT;
        proxy_http_version 1.1;
        # The inbox's websocket.
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$plataforma_connection;
        proxy_set_header Host \$host;
        # Replaced, never appended: what a caller sends in X-Forwarded-For is not believed.
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_set_header X-Forwarded-Proto https;
        # Live streams (websocket, the webchat's SSE) stay open and unbuffered.
        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
    }
}
NGINX
  } >/etc/nginx/sites-available/plataforma
  ln -sf /etc/nginx/sites-available/plataforma /etc/nginx/sites-enabled/plataforma
  # Debian's default site also listens on 80.
  [ "$HTTP_PORT" != 80 ] || rm -f /etc/nginx/sites-enabled/default
  nginx -t -q
  if has_systemd; then
    systemctl enable nginx >/dev/null 2>&1 || true
    systemctl reload-or-restart nginx
  elif [ -f /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    nginx -s reload
  else
    nginx
  fi
}

say "nginx"
if [ "$SELF_SIGNED" -eq 0 ] && [ ! -f "$CERT" ]; then
  nginx_site 0
  certbot certonly --webroot -w "$ACME_ROOT" -d "$DOMAIN" -m "$EMAIL" --agree-tos -n \
    --deploy-hook "nginx -s reload"
fi
nginx_site 1

if [ "$START" -eq 0 ]; then
  say "Instalado (serviços não iniciados: --no-start)"
  exit 0
fi

say "Iniciando"
if has_systemd; then
  systemctl daemon-reload
  systemctl enable plataforma-web plataforma-worker plataforma-backup.timer >/dev/null
  systemctl restart plataforma-worker plataforma-web
  systemctl start plataforma-backup.timer
else
  # Without systemd (a container, this repository's CI): the units' own commands, as the service
  # user with the unit's environment, in the background; pid files in /run/plataforma.
  warn "sem systemd: os serviços iniciam em segundo plano pelos comandos das units"
  install -d -m 755 /run/plataforma
  for name in worker web; do
    unit_file="/etc/systemd/system/plataforma-$name.service"
    pid_file="/run/plataforma/$name.pid"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      kill -TERM "$(cat "$pid_file")"
      for _ in $(seq 1 80); do kill -0 "$(cat "$pid_file")" 2>/dev/null || break; sleep 0.5; done
    fi
    # shellcheck disable=SC2046
    (
      set -a && source "$ENV_FILE" && set +a
      export $(sed -n 's/^Environment=//p' "$unit_file")
      cd "$PREFIX"
      exec setsid runuser -u "$SVC_USER" -- "$(sed -n 's/^ExecStart=//p' "$unit_file")" \
        >>"/var/log/plataforma-$name.log" 2>&1
    ) &
    echo $! >"$pid_file"
  done
fi

LOGS="journalctl -u plataforma-web -u plataforma-worker"
has_systemd || LOGS="/var/log/plataforma-web.log e /var/log/plataforma-worker.log"
for _ in $(seq 1 120); do
  curl -fsk --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1" "https://$DOMAIN:$HTTPS_PORT/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsk --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1" "https://$DOMAIN:$HTTPS_PORT/readyz" >/dev/null ||
  { warn "a plataforma não respondeu em $PUBLIC_URL/readyz (veja $LOGS)"; exit 1; }

cat <<MSG

  Plataforma Omnichannel no ar: $PUBLIC_URL
  Configuração:  $ENV_FILE (modo 600; guarde uma cópia das chaves)
  Logs:          $LOGS
  Primeiro administrador: o link de primeiro acesso aparece no log do plataforma-web, ou
                 sudo bash -c 'set -a; . $ENV_FILE; exec $PREFIX/bin/server user create --email … --name … --role administrador'
  Backup diário: $BACKUPS (guardado por $RETENTION_DAYS dias; agora: sudo $PREFIX/bin/plataforma-backup)
  Restaurar:     sudo $PREFIX/bin/plataforma-restore $BACKUPS/plataforma-AAAA-MM-DD-HHMM.dump

MSG
