"""What a student's first visit moves through nginx (deploy/nginx.conf), measured in Chromium.

    python benchmarks/first_visit.py                       # the shipped deploy/nginx.conf
    python benchmarks/first_visit.py --config OTHER.conf   # another version of it, for comparison:
    git show 6b03fbf:deploy/nginx.conf > nginx-before.conf && python benchmarks/first_visit.py --config nginx-before.conf

Starts one `streamlit run app.py` server and nginx in front of it on free loopback ports (as
tests/test_proxy.py does, with a copy of the file), then opens each page of the app in a browser of
its own (an empty cache and no cookie: a first visit) and waits until the page has run and no
request has been in flight for a second. Over every response of the load it adds up what Chromium
received over the wire (CDP Network.loadingFinished's encodedDataLength: headers and body as sent,
compressed or not) and the bodies once decoded. The websocket's messages (the page's content) are
shown apart. Exits non-zero when a budget fails.

Budget: at most 3.5 MB over the wire per first visit (a class of 40 on one Wi-Fi: 140 MB as the
lecture starts). That is about what gzip can reach: Plotly's 4.7 MB script alone is 1.4 MB gzipped,
and 0.6 to 0.8 MB of every visit are fonts (woff2, compressed already). Uncompressed (the nginx
file of 6b03fbf, which left compression to Streamlit), a first visit moved 7.8 to 9.4 MB.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from report import print_table, record  # noqa: E402  (the table every benchmark prints)
from test_browser import CHROMIUM, CHROMIUM_ARGS, IDLE  # noqa: E402
from test_offline import page_paths  # noqa: E402
from test_proxy import proxied_servers  # noqa: E402

BUDGET = 3_500_000  # bytes over the wire per first visit (see the docstring)
CLASS = 40
QUIET = 1.0  # seconds with no request in flight: the load is over


def first_visit(browser, url: str) -> SimpleNamespace:
    """Open `url` in a new context (empty cache, no cookie); the responses, the bytes that came over
    the wire, the bodies' decoded bytes, and the websocket's messages and their bytes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        wire, decoded, failed, websocket = {}, defaultdict(int), [], [0, 0]
        pending, last = set(), [time.monotonic()]

        def started(event):
            pending.add(event["requestId"])

        def finished(event):
            wire[event["requestId"]] = event["encodedDataLength"]
            ended(event)

        def ended(event):
            pending.discard(event["requestId"])
            last[0] = time.monotonic()

        def frame(event):  # binary frames arrive base64-encoded
            payload = event["response"]["payloadData"]
            binary = event["response"]["opcode"] == 2
            websocket[0] += 1
            websocket[1] += len(payload) * 3 // 4 - payload.count("=") if binary else len(payload.encode())

        cdp.on("Network.requestWillBeSent", started)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.dataReceived", lambda event: decoded.__setitem__(
            event["requestId"], decoded[event["requestId"]] + event["dataLength"]))
        cdp.on("Network.loadingFailed", lambda event: (failed.append(event), ended(event)))
        cdp.on("Network.webSocketFrameReceived", frame)
        cdp.send("Network.enable")
        page.goto(url)
        page.wait_for_selector(IDLE, state="attached", timeout=60_000)
        deadline = time.monotonic() + 60  # a request that never ends would be a failure below
        while (pending or time.monotonic() - last[0] < QUIET) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        return SimpleNamespace(responses=len(wire), wire=sum(wire.values()), decoded=sum(decoded[r] for r in wire),
                               failed=len(failed) + len(pending), messages=websocket[0], websocket=websocket[1])
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="an nginx file to measure instead of deploy/nginx.conf")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    config = args.config.read_text(encoding="utf-8") if args.config else None
    print(f"First visits through nginx with {args.config or 'deploy/nginx.conf'}, one app server, Chromium:")
    heaviest = 0
    with proxied_servers(1, config, label="first-visit") as cluster, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for path in page_paths():
            visit = first_visit(browser, cluster.base + path)
            heaviest = max(heaviest, visit.wire)
            record(f"first visit {path}",
                   f"{visit.wire / 1e6:.2f} MB over the wire, {visit.decoded / 1e6:.2f} MB decoded, "
                   f"{visit.responses} responses ({visit.failed} failed or unfinished); websocket {visit.messages} messages, "
                   f"{visit.websocket / 1e3:.0f} kB",
                   f"≤ {BUDGET / 1e6:.2f} MB over the wire", visit.wire <= BUDGET and not visit.failed)
        browser.close()
    record(f"a class of {CLASS} arriving at once, heaviest page", f"{CLASS * heaviest / 1e6:.0f} MB",
           f"≤ {CLASS * BUDGET / 1e6:.0f} MB", heaviest <= BUDGET)
    command = "python benchmarks/first_visit.py" + (f" --config {args.config}" if args.config else "")
    return print_table(command)


if __name__ == "__main__":
    sys.exit(main())
