"""Take the README's dashboard screenshot (docs/dashboard.png) from a store, e.g. the demo's.

    make demo DEMO_SERVE=0
    .venv/bin/python scripts/screenshot_dashboard.py --db realpolitik.duckdb --out docs/dashboard.png

Serves the store read-only with uvicorn on 127.0.0.1 (a free port, in a thread) and photographs
the overview page with Debian's chromium through Playwright, as tests/test_web.py does (no
browser download: scripts/install-test-browser.sh installs chromium).
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="realpolitik.duckdb", help="the store to show")
    ap.add_argument("--out", default="docs/dashboard.png", type=Path)
    ap.add_argument("--width", type=int, default=1360)
    args = ap.parse_args(argv)

    import uvicorn
    from playwright.sync_api import sync_playwright

    from realpolitik.api import create_app
    from realpolitik.store import open_store

    if not Path(args.db).is_file():
        print(f"{args.db}: no such store (run make demo DEMO_SERVE=0 first)", file=sys.stderr)
        return 2
    with open_store(args.db, read_only=True) as store:
        app = create_app(store, token=None)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.05)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": args.width, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
