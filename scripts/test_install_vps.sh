#!/usr/bin/env bash
# The VPS install, tried on this machine: scripts/install-vps.sh with --self-signed (the server
# and site the test command has just built), then through nginx over https: /readyz, the demo
# login, a websocket event, a webchat SSE event, the caller's address in the audit log
# (scripts/check_vps.py); a backup, data lost, the restore command, the data back.
# Needs root (it installs packages, a system user, nginx). Ports: nginx 8080/8443, server 3300.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

DOMAIN=plataforma-teste.local
DB=plataforma_vps
HTTPS_PORT=8443
BINARY="${1:-$ROOT/target/debug/server}"
SITE="${2:-$ROOT/target/site-test}"

stop_install() {
  for name in web worker; do
    pid_file="/run/plataforma/$name.pid"
    [ -f "$pid_file" ] && kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
  done
}
trap stop_install EXIT

# Each run starts from an empty database (the env file, with its keys, is kept as an upgrade
# keeps it).
stop_install
runuser -u postgres -- psql -qAt -c "drop database if exists $DB with (force)"

# A debug site (no hashed file names) is served as development serves it.
as_root env LEPTOS_ENV=DEV bash scripts/install-vps.sh --domain "$DOMAIN" --self-signed --demo \
  --http-port 8080 --https-port "$HTTPS_PORT" --app-port 3300 --database "$DB" \
  --binary "$BINARY" --site "$SITE"

say "O que a instalação deixou"
mode=$(stat -c '%a %U' /etc/plataforma/plataforma.env)
echo "  /etc/plataforma/plataforma.env: modo e dono $mode"
[ "$mode" = "600 root" ] || { warn "o arquivo de ambiente deveria ser 600 root"; exit 1; }
for unit in plataforma-web.service plataforma-worker.service plataforma-backup.timer; do
  [ -f "/etc/systemd/system/$unit" ] || { warn "falta a unit $unit"; exit 1; }
done
grep -q '^Restart=on-failure' /etc/systemd/system/plataforma-web.service
grep -q '^KillSignal=SIGTERM' /etc/systemd/system/plataforma-worker.service
echo "  units web, worker e backup.timer (Restart=on-failure, KillSignal=SIGTERM)"

say "Pelo nginx, em https://$DOMAIN:$HTTPS_PORT"
channel=$(runuser -u postgres -- psql -qAt -d "$DB" -c \
  "select id from channels where kind = 'webchat' and active order by created_at limit 1")
python3 scripts/check_vps.py "$DOMAIN" "$HTTPS_PORT" /etc/plataforma/tls/fullchain.pem "$channel" "$DB"

say "Backup e restauração"
dump=$(as_root /opt/plataforma/bin/plataforma-backup)
echo "  backup: $dump ($(stat -c %s "$dump") bytes)"
before=$(runuser -u postgres -- psql -qAt -d "$DB" -c "select count(*) from messages")
runuser -u postgres -- psql -qAt -d "$DB" -c "delete from audit_log" >/dev/null
# The restore stops the services where systemd runs them; here they run from pid files.
stop_install
sleep 2
as_root /opt/plataforma/bin/plataforma-restore "$dump"
after=$(runuser -u postgres -- psql -qAt -d "$DB" -c "select count(*) from messages")
logins=$(runuser -u postgres -- psql -qAt -d "$DB" -c \
  "select count(*) from audit_log where action = 'login_succeeded'")
echo "  mensagens antes: $before, depois da restauração: $after; logins no log de auditoria: $logins"
[ "$before" = "$after" ] && [ "$logins" -ge 1 ] || { warn "a restauração não trouxe os dados de volta"; exit 1; }
say "Instalação na VPS conferida"
