#!/usr/bin/env python3
"""What each page downloads of the browser bundle: the main wasm and JS, plus the page's own
split module and the shared chunks the split manifest lists for it, raw and compressed (the
.gz/.br files the release build precompressed; computed here when they are missing).

  python3 bench/wasm/sizes.py [target/site/pkg]
"""
import gzip
import json
import os
import re
import sys
import zlib

# (page, its lazy route, whether it is inside the signed-in frame, itself a lazy route)
PAGES = [
    ("/entrar (login)", "login", False),
    ("/demonstracao (simulador)", "demo", False),
    ("/ (painel)", "dashboard", True),
    ("/conversas (inbox)", "inbox", True),
    ("/usuarios", "admin", True),
    ("/configuracoes/canais", "admin", True),
    ("/fluxos (construtor)", "flows", True),
]


def sizes(path):
    raw = os.path.getsize(path)
    gz = os.path.getsize(path + ".gz") if os.path.exists(path + ".gz") else len(gzip.compress(open(path, "rb").read(), 9))
    br = os.path.getsize(path + ".br") if os.path.exists(path + ".br") else None
    return raw, gz, br


def main():
    pkg = sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg"
    names = os.listdir(pkg)
    main_wasm = next(n for n in names if re.fullmatch(r"plataforma(\.[\w-]+)?\.wasm", n))
    main_js = next(n for n in names if re.fullmatch(r"plataforma(\.[\w-]+)?\.js", n))
    base = [main_wasm, main_js]
    loader = [n for n in names if re.fullmatch(r"__wasm_split\.[\w-]+\.js", n)]
    manifest_name = next((n for n in names if n.startswith("__wasm_split_manifest") and n.endswith(".json")), None)
    manifest = json.load(open(os.path.join(pkg, manifest_name))) if manifest_name else {}
    print(f"{'página':28} {'arquivos':>8} {'bruto':>11} {'gzip':>11} {'brotli':>11}")
    def split_files(route):
        key = next((k for k in manifest if k.startswith(f"__{route}_route_view")), None)
        if not key:
            return []  # not a lazy route: its code is in the main module
        own = [n for n in names if n.startswith(f"split_{key}") and n.endswith(".wasm")]
        return own + [c + ".wasm" for c in manifest[key]]

    for label, route, framed in PAGES:
        files = list(base) + (loader if manifest else [])
        if framed:
            files += split_files("layout")
        files += split_files(route)
        files = list(dict.fromkeys(files))
        total = [0, 0, 0]
        for f in files:
            raw, gz, br = sizes(os.path.join(pkg, f))
            total[0] += raw
            total[1] += gz
            total[2] += br or 0
        print(f"{label:28} {len(files):>8} {total[0]:>11,} {total[1]:>11,} {total[2]:>11,}")


if __name__ == "__main__":
    main()
