#!/usr/bin/env python3
"""Checks an install of scripts/install-vps.sh through nginx over https, as a customer's browser
would reach it: /readyz, the demo login, an event on the inbox's websocket, an event on the
webchat's SSE stream, and that the audit log records the caller's address (not nginx's, nor
one the caller forged in X-Forwarded-For).

    check_vps.py DOMAIN HTTPS_PORT CA_FILE WEBCHAT_CHANNEL_ID [DATABASE]

The caller connects from 127.0.0.2 (another loopback address), so its address differs from
nginx's own 127.0.0.1 towards the server. Only the standard library: it runs on a bare VPS.
"""

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

DOMAIN, PORT, CA, CHANNEL = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
DATABASE = sys.argv[5] if len(sys.argv) > 5 else "plataforma"
ORIGIN = f"https://{DOMAIN}" + ("" if PORT == 443 else f":{PORT}")
CALLER = "127.0.0.2"
FORGED = "203.0.113.66"
CONTEXT = ssl.create_default_context(cafile=CA)


def connect() -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", PORT), timeout=20, source_address=(CALLER, 0))
    return CONTEXT.wrap_socket(raw, server_hostname=DOMAIN)


class Conn(http.client.HTTPSConnection):
    """HTTPS to nginx at 127.0.0.1, from CALLER, the certificate checked for DOMAIN."""

    def __init__(self):
        super().__init__(DOMAIN, PORT, timeout=20, context=CONTEXT)

    def connect(self):
        self.sock = connect()


cookies: dict[str, str] = {}


def request(method, path, body=None, headers=None):
    c = Conn()
    h = {"Host": f"{DOMAIN}:{PORT}", "Origin": ORIGIN, "X-Forwarded-For": FORGED}
    if cookies:
        h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    for value in r.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    data = r.read()
    c.close()
    return r.status, data


def check(what, ok, detail=""):
    print(("  ok  " if ok else "  FALHOU  ") + what + (f": {detail}" if detail and not ok else ""))
    if not ok:
        sys.exit(1)


status, body = request("GET", "/readyz")
check("GET /readyz pelo nginx (https, certificado conferido)", status == 200, f"{status} {body[:200]!r}")

status, _ = request("GET", "/entrar")
check("página de login", status == 200 and "omni_csrf" in cookies, str(status))
form = urllib.parse.urlencode({"email": "demo@plataforma.com", "password": "demo123"})
status, body = request(
    "POST",
    "/api/session/login",
    form,
    {"Content-Type": "application/x-www-form-urlencoded", "x-csrf-token": cookies["omni_csrf"]},
)
check("login de demonstração", status == 200 and "omni_session" in cookies, f"{status} {body[:300]!r}")


class WebSocket:
    """Just enough of RFC 6455 to read the server's text frames."""

    def __init__(self, path):
        self.sock = connect()
        key = base64.b64encode(os.urandom(16)).decode()
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {DOMAIN}:{PORT}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {ORIGIN}\r\nCookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.status = head.split(b"\r\n", 1)[0].decode(errors="replace")

    def _exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("websocket closed")
            data += chunk
        return data

    def frame(self):
        b1, b2 = self._exact(2)
        length = b2 & 0x7F
        if length == 126:
            length = int.from_bytes(self._exact(2), "big")
        elif length == 127:
            length = int.from_bytes(self._exact(8), "big")
        payload = self._exact(length)
        return b1 & 0x0F, payload


ws = WebSocket("/ws/inbox")
check("websocket do inbox aberto pelo nginx", " 101 " in ws.status, ws.status)
ws.sock.settimeout(30)
opcode, first = ws.frame()
check("websocket: primeira mensagem (hello)", opcode == 1 and b"hello" in first.lower(), first[:200])

status, body = request("POST", f"/webchat/v1/{CHANNEL}/visitors", b"")
check("webchat: visitante criado", status == 201, f"{status} {body[:200]!r}")
token = json.loads(body)["token"]
bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
status, body = request("POST", f"/webchat/v1/{CHANNEL}/stream-ticket", b"{}", bearer)
check("webchat: ticket do stream", status == 200, f"{status} {body[:200]!r}")
ticket = json.loads(body)["ticket"]

sse_lines: list[str] = []


def read_sse():
    c = Conn()
    c.request(
        "GET",
        f"/webchat/v1/{CHANNEL}/events?ticket={urllib.parse.quote(ticket)}",
        headers={"Host": f"{DOMAIN}:{PORT}", "Origin": ORIGIN, "Accept": "text/event-stream"},
    )
    r = c.getresponse()
    sse_lines.append(f"status {r.status} {r.headers.get('Content-Type')}")
    while True:
        line = r.fp.readline()
        if not line:
            return
        sse_lines.append(line.decode(errors="replace").rstrip("\n"))


threading.Thread(target=read_sse, daemon=True).start()
time.sleep(1)
message = json.dumps({"text": "Olá, vim pelo site", "client_id": "vps-check-1"})
status, body = request("POST", f"/webchat/v1/{CHANNEL}/messages", message, bearer)
check("webchat: mensagem enviada", status == 201, f"{status} {body[:200]!r}")

deadline = time.time() + 30
while time.time() < deadline and not any(l.startswith("event: message") for l in sse_lines):
    time.sleep(0.2)
check(
    "webchat: evento recebido pelo SSE através do nginx (sem buffer)",
    any(l.startswith("event: message") for l in sse_lines),
    " | ".join(sse_lines[:6]),
)

seen = []
deadline = time.time() + 30
while time.time() < deadline:
    opcode, payload = ws.frame()
    if opcode == 1:
        seen.append(payload[:160])
        if b"Ol\xc3\xa1, vim pelo site" in payload or b"conversation" in payload.lower():
            break
check("websocket: evento da nova conversa recebido", bool(seen) and seen[-1] != first[:160], repr(seen[:3]))

ip = subprocess.run(
    [
        "runuser", "-u", "postgres", "--", "psql", "-qAt", "-d", DATABASE, "-c",
        "select ip from audit_log where action = 'login_succeeded' order by id desc limit 1",
    ],
    capture_output=True, text=True, check=True,
).stdout.strip()
check(f"o log de auditoria registra o endereço de quem chamou ({CALLER})", ip == CALLER, f"registrado: {ip!r}")
print("Instalação conferida pelo nginx em", ORIGIN)
