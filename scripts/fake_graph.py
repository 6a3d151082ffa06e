#!/usr/bin/env python3
"""A minimal stand-in for Meta's Graph API, for trying the platform by hand.

Prints every request it receives and answers like the WhatsApp Cloud API and the Messenger Send
API do on success. Usage: scripts/fake_graph.py [port]   (default 9911)
Start the server with GRAPH_API_BASE_URL=http://127.0.0.1:9911.
The automated tests use their own, stricter fake (server/tests/api/common/fake_graph.rs).
"""
import itertools
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

COUNTER = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        print(f"POST {self.path}\nAuthorization: {self.headers.get('authorization')}\n"
              f"{json.dumps(body, ensure_ascii=False, indent=2)}\n", flush=True)
        n = next(COUNTER)
        if "/me/messages" in self.path:
            self._answer({"recipient_id": body["recipient"]["id"], "message_id": f"m_FAKE{n}"})
        elif body.get("status") == "read":
            self._answer({"success": True})
        else:
            self._answer({"messaging_product": "whatsapp",
                          "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                          "messages": [{"id": f"wamid.FAKE{n}"}]})

    def do_GET(self):
        print(f"GET {self.path}\nAuthorization: {self.headers.get('authorization')}\n", flush=True)
        self._answer({"id": "106540352242922", "display_phone_number": "+1 555-078-3881",
                      "verified_name": "Companhia de Saneamento Demo", "name": "Página Demo"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9911
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
