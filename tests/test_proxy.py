"""Two app servers behind nginx with sticky sessions (deploy/nginx.conf), driven by Chromium.

Starts two `streamlit run app.py` servers and Debian's nginx on free loopback ports, with a copy of
deploy/nginx.conf whose ports are replaced by those, then:
- the browser smoke test through the proxy (page load, Play, a slider change, an upload) in one
  session, and nginx's access log showing that every request of that session, its websockets and
  its upload included, went to the one server its cookie picked (no reply names the server: the
  tests read it from the log);
- fresh visitors (no cookie) spread over both servers, and each cookie keeps its server;
- what a student trying to break it would try: every reply carries the security headers and no
  internal address, a page of another site cannot frame the app, Streamlit's internal endpoints
  other than the four a page uses answer 404, every page keeps to the Content-Security-Policy;
- Streamlit's scripts come gzipped from nginx's cache, fetched from a server once;
- the limits: 40 first visits at once from one address (a hall behind one NAT) are not limited,
  while a flood from one browser, from one address without a cookie, or from one address inventing
  a cookie per request (for Streamlit's endpoints, or for made-up static files that miss nginx's
  cache), and too many open requests of one browser, are answered 429;
- one server stopped: new sessions, and old cookies that pointed at it, all load on the other.

Each test that sends many requests does so from a loopback address of its own (127.0.0.2, ...: Linux
answers on all of 127.0.0.0/8), so nginx sees it as a client of its own, as it sees a hall's NAT,
and the browser tests (127.0.0.1) keep their allowance.

Like the other browser tests it skips without Chromium or nginx, except under CI=true, where
either missing is a failure. nginx's logs and a screenshot go to test-artifacts/.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import http.server
import io
import itertools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import streamlit
from test_browser import (  # noqa: F401  (the chromium fixture is found by name)
    ARTIFACTS,
    IDLE,
    PLOT,
    chromium,
    free_port,
    js_errors,
    layout,
    new_tab,
    no_exception,
    screenshot,
    settle,
    unavailable,
    wait_for_annotation,
    wait_healthy,
)
from test_offline import assert_self_contained, offline_context, page_paths, visit

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
# The shipped file's example ports, replaced in the run copy: nginx, the app servers, nginx's
# compressing layer.
LISTEN, UPSTREAMS, INTERNAL = "8080", ("8501", "8502"), "8079"
COOKIE = "stroute"
ERROR = "[data-testid=stAlertContentError]"  # st.error; the pages' st.info notes are fine
NOISE = (600, 660)  # rows, columns of the uploaded image: random pixels, a PNG of about 1.2 MB
ACCESS = re.compile(r'"(?P<method>\S+) (?P<path>\S+)[^"]*" (?P<status>\d+) \d+ route=(?P<route>\S+) '
                    r'upstream="(?P<upstream>[^"]*)" cache=(?P<cache>\S+)')
# What a browser session uses under /_stcore/ (everything else there answers 404 through nginx).
SESSION_ENDPOINTS = {"health", "host-config", "stream", "upload_file"}
HALL = 100  # the largest class the limits are sized for, behind one address
VISITS = 40  # the first visits the hall test sends at once from one address
PARALLEL = 6  # connections Chromium opens to one host at once (HTTP/1.1)


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")  # sbin is not on every PATH
    if not found:
        unavailable("nginx is missing: apt-get install -y nginx")
    return found


def run_copy(listen: int, upstreams: list[int], internal: int, text: str | None = None) -> str:
    """deploy/nginx.conf (or `text`, another version of it) with these ports in place of the example
    ones: nginx on 127.0.0.1:`listen`, one `server` line per port in `upstreams` (the example lines
    beyond them are commented out), its compressing layer on `internal`."""
    text = CONFIG.read_text(encoding="utf-8") if text is None else text
    text, n = re.subn(rf"^(\s*)listen {LISTEN};", rf"\g<1>listen 127.0.0.1:{listen};", text, flags=re.M)
    assert n == 1, "deploy/nginx.conf has no `listen 8080;` line"
    assert len(upstreams) <= len(UPSTREAMS), upstreams
    for i, example in enumerate(UPSTREAMS):
        line = rf"\g<1>server 127.0.0.1:{upstreams[i]}" if i < len(upstreams) else rf"\g<1># server 127.0.0.1:{example}"
        text, n = re.subn(rf"^(\s*)server 127\.0\.0\.1:{example}\b", line, text, flags=re.M)
        assert n == 1, f"deploy/nginx.conf has no `server 127.0.0.1:{example}` line"
    return text.replace(f"127.0.0.1:{INTERNAL}", f"127.0.0.1:{internal}")


def limits() -> dict[str, int]:
    """The shipped file's limits by name: "<zone> rate" (requests/s) and "<zone> burst" for each
    limit_req zone, "<zone> conn" for each limit_conn (each is used with one burst, one count)."""
    text = CONFIG.read_text(encoding="utf-8")
    found = {}
    for pattern, name in ((r"limit_req_zone \S+ zone=(\w+):\S+ rate=(\d+)r/s;", "rate"),
                          (r"limit_req zone=(\w+) burst=(\d+) nodelay;", "burst"), (r"limit_conn (\w+) (\d+);", "conn")):
        for zone, number in re.findall(pattern, text):
            assert found.setdefault(f"{zone} {name}", int(number)) == int(number), (zone, name)
    return found


def noise_png() -> bytes:
    """A PNG larger than nginx's default 1 MB request limit, so the upload proves client_max_body_size."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(7).integers(0, 256, (*NOISE, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    assert out.tell() > 1_100_000, out.tell()
    return out.getvalue()


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Client:
    """HTTP/1.1 to nginx from one loopback address (see the module's docstring), with a keep-alive
    connection per thread, as a browser keeps its connections."""

    def __init__(self, base: str, address: str = "127.0.0.1"):
        url = urlparse(base)
        self.host, self.port, self.address = url.hostname, url.port, address
        self._local = threading.local()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, source_address=(self.address, 0), timeout=30)

    def get(self, path: str, cookie: str | None = None, headers: dict | None = None) -> SimpleNamespace:
        """A GET: its status, headers (lower-case names), body, and the stroute cookie it sets (or None)."""
        headers = dict(headers or {}, **({"Cookie": f"{COOKIE}={cookie}"} if cookie else {}))
        for attempt in range(2):  # a kept-alive connection the server has closed meanwhile: once more
            connection = getattr(self._local, "connection", None) or self.connect()
            self._local.connection = connection
            try:
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self._local.connection = None
                if attempt:
                    raise
        set_cookie = re.search(rf"{COOKIE}=([^;]+)", ", ".join(answer.headers.get_all("Set-Cookie") or []))
        return SimpleNamespace(status=answer.status, headers={k.lower(): v for k, v in answer.headers.items()},
                               body=body, cookie=set_cookie and set_cookie.group(1))

    def websocket(self, cookie: str) -> http.client.HTTPConnection:
        """A session's websocket, opened (the handshake) and left open: its `status` is 101 when
        nginx and the server accepted it. The caller closes it."""
        connection = self.connect()
        connection.request("GET", "/_stcore/stream", headers={
            "Cookie": f"{COOKIE}={cookie}", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Protocol": "streamlit"})
        answer = connection.getresponse()
        connection.status, connection.headers = answer.status, {k.lower(): v for k, v in answer.headers.items()}
        return connection


def main_script(client: Client) -> str:
    """The path of Streamlit's main script, as the page names it (/static/js/index.<hash>.js)."""
    return "/" + re.search(r'src="\./(static/js/index\.[\w-]+\.js)"', client.get("/").body.decode()).group(1)


def access_log(cluster, route: str | None = None) -> list[dict]:
    lines = cluster.access_log.read_text().splitlines() if cluster.access_log.exists() else []
    entries = [m.groupdict() for m in map(ACCESS.search, lines) if m]
    return [e for e in entries if route is None or e["route"] == route]


def served_by(cluster, route: str, since: int = 0, path: str | None = None) -> str:
    """The server that answered the first request with this route (and this path) that nginx logged
    after its first `since` entries: the last of $upstream_addr's list ("a, b" when a failed first).
    Replies nginx gave itself ("-": a static file, a refused request) name no server and are passed over.
    nginx writes the line as the reply ends, so it may come a moment after the reply."""
    deadline = time.monotonic() + 10
    while not (entries := [e for e in access_log(cluster, route)[since:]
                           if path in (None, e["path"]) and e["upstream"].strip() not in ("", "-")]):
        assert time.monotonic() < deadline, f"nginx logged no {path or 'request'} for route {route} after entry {since}"
        time.sleep(0.05)
    return entries[0]["upstream"].split(",")[-1].strip()


def logged_since(cluster, route: str) -> int:
    """How many of nginx's entries for this route there are: a mark for served_by's `since`."""
    return len(access_log(cluster, route))


def flood(client: Client, path: str, cookie_of, headers: dict | None = None, seconds: float = 60,
          path_of=None) -> SimpleNamespace:
    """GET `path` (or path_of(i)) from 16 threads at once until the first 429 (or `seconds`); request
    i carries cookie_of(i). How many were sent and answered 200, and the first 429 reply."""
    stop_now, numbers, replies = threading.Event(), itertools.count(), []
    deadline = time.monotonic() + seconds

    def hammer():
        while not stop_now.is_set() and time.monotonic() < deadline:
            i = next(numbers)
            reply = client.get(path_of(i) if path_of else path, cookie_of(i), headers)
            replies.append(reply)
            if reply.status == 429:
                stop_now.set()

    start = time.monotonic()
    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [r.status for r in replies]
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    return SimpleNamespace(accepted=statuses.count(200), sent=len(statuses), elapsed=time.monotonic() - start,
                           limited=next((r for r in replies if r.status == 429), None))


def assert_limited(result: SimpleNamespace, rate: int, burst: int, what: str, spent: int = 0) -> None:
    """nginx's leaky bucket: with `nodelay`, the first burst + 1 requests pass at once (less the
    `spent` ones the test sent before), then `rate` per second more; a flood must meet a 429 within
    those bounds, whatever the machine's speed. (nginx dates a request by when its worker last woke
    up, which may be a little before the flood began: 50 ms of slack for that.)"""
    assert result.limited, f"{what}: no 429 after {result.accepted} requests in {result.elapsed:.1f} s"
    least, most = burst + 1 - spent, burst + 1 + rate * (result.elapsed + 0.05) + 1
    assert least <= result.accepted <= most, (what, result.accepted, least, most)
    print(f"\n{what}: {result.accepted} answered in {result.elapsed:.1f} s, then 429 "
          f"(burst {burst} + {rate}/s allows {least} to {most:.0f})")


def stcore_routes() -> set[str]:
    """Every /_stcore/ route the installed Streamlit serves, read from its server's source, with a
    placeholder for each path parameter: /_stcore/health, /_stcore/agent/mcp, ..."""
    source = Path(streamlit.__file__).parent / "web" / "server"
    routes = set()
    for file in source.rglob("*.py"):
        for route in re.findall(r'["\'](?:_stcore|\{BASE_ROUTE_CORE\})/([\w\-./{}:]+)["\']', file.read_text(encoding="utf-8")):
            routes.add("/_stcore/" + re.sub(r"\{+[^}]*\}+", "x", route))
    return routes


def assert_safe_headers(what: str, headers: dict, cluster) -> None:
    """The security headers are there, and nothing names a server behind nginx."""
    assert headers.get("x-frame-options") == "SAMEORIGIN", (what, headers)
    assert "frame-ancestors 'self'" in headers.get("content-security-policy", ""), (what, headers)
    assert headers.get("x-content-type-options") == "nosniff", (what, headers)
    assert "x-upstream" not in headers, (what, headers)
    internal = [f":{address.split(':')[1]}" for address in [*cluster.servers, cluster.internal]] + ["//streamlit"]
    leaks = [(name, value) for name, value in headers.items() if any(port in value for port in internal)]
    assert not leaks, (what, leaks)


# --- fixtures ----------------------------------------------------------------------------------


@contextmanager
def proxied_servers(count: int = 2, config_text: str | None = None, label: str = "proxy"):
    """`count` app servers and nginx in front of them (a copy of deploy/nginx.conf, or of
    `config_text`), all on free loopback ports. Logs go to test-artifacts/<label>-*."""
    nginx = nginx_binary()
    ARTIFACTS.mkdir(exist_ok=True)
    ports = set()
    while len(ports) < count + 2:
        ports.add(free_port())
    *server_ports, listen, internal = sorted(ports)
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    servers = {}
    for port in server_ports:  # start them all, then wait for all: they boot in parallel
        log_path = ARTIFACTS / f"{label}-streamlit-{port}.log"
        with open(log_path, "wb") as log:
            servers[f"127.0.0.1:{port}"] = SimpleNamespace(log=log_path, process=subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--server.port", str(port)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env))

    # nginx's prefix: its pid file, logs, cache and temporary files. When the test runs as root
    # (CI), the workers run as an unprivileged user and must reach the temporary files, hence 0755.
    prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
    prefix.chmod(0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(run_copy(listen, server_ports, internal, config_text), encoding="utf-8")
    nginx_log = ARTIFACTS / f"{label}-nginx.log"
    proxy = None
    try:
        for address, server in servers.items():
            wait_healthy(f"http://{address}", server.process, server.log, f"streamlit on {address}")
        with open(nginx_log, "wb") as log:
            proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{listen}"
        wait_healthy(base, proxy, nginx_log, "nginx", seconds=20)
        yield SimpleNamespace(base=base, servers=servers, internal=f"127.0.0.1:{internal}",
                              access_log=prefix / "access.log")
    finally:
        if proxy is not None:
            stop(proxy, signal.SIGQUIT)  # graceful: open websockets are logged as they close
        for server in servers.values():
            stop(server.process)
        for name in ("access.log", "error.log"):
            if (prefix / name).exists():
                shutil.copy(prefix / name, ARTIFACTS / f"{label}-nginx-{name}")
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    """Two app servers and nginx in front of them, all on free loopback ports."""
    with proxied_servers(2) as running:
        yield running


def new_session(chromium, cluster, cookie: str | None = None):
    """A browser context of its own (so its own cookies) and a tab in it."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    context.base_url = cluster.base
    if cookie:
        context.add_cookies([{"name": COOKIE, "value": cookie, "url": cluster.base}])
    return context, new_tab(context)


def route_of(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert COOKIE in cookies, f"nginx set no {COOKIE} cookie: {cookies}"
    return cookies[COOKIE]


def open_chart(tab, cluster, path: str) -> str:
    """Open a page through the proxy, wait for its chart; the server that answered."""
    cookie = next((c["value"] for c in tab.context.cookies() if c["name"] == COOKIE), None)
    since = logged_since(cluster, cookie) if cookie else 0
    response = tab.goto(tab.base_url + path)
    assert response.ok, response.status
    settle(tab)
    no_exception(tab)
    assert tab.locator(ERROR).count() == 0, tab.locator(ERROR).first.inner_text()
    return served_by(cluster, route_of(tab.context), since, path)


@pytest.fixture(scope="module")
def first_visit(chromium, cluster):
    """A browser's first visit to /convolution through nginx, recorded: each response's path, status
    and headers, its websockets, its route cookie and nginx's log lines for it."""
    context, tab = new_session(chromium, cluster)
    responses, websockets = [], []
    tab.on("response", lambda r: responses.append(SimpleNamespace(
        path=r.url.removeprefix(cluster.base), status=r.status, headers=r.headers)))
    tab.on("websocket", lambda w: websockets.append(w.url))
    try:
        tab.goto(cluster.base + "/convolution")
        settle(tab)
        tab.wait_for_load_state("networkidle")
        route = route_of(context)
    finally:
        context.close()
    deadline = time.monotonic() + 10  # the websocket is logged once it has closed
    while not any(e["path"] == "/_stcore/stream" for e in access_log(cluster, route)):
        assert time.monotonic() < deadline, access_log(cluster, route)
        time.sleep(0.1)
    return SimpleNamespace(document="/convolution", responses=responses, websockets=websockets,
                           route=route, logged=access_log(cluster, route))


# --- tests ---------------------------------------------------------------------------------------


def test_shipped_config_is_valid_and_lets_streamlits_uploads_through():
    nginx = nginx_binary()
    with tempfile.TemporaryDirectory() as prefix:
        check = subprocess.run([nginx, "-t", "-p", prefix, "-c", str(CONFIG)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # Streamlit takes server.maxUploadSize MB per file plus 1 MB of multipart framing; nginx must too
    streamlit_mb = int(re.search(r"^maxUploadSize\s*=\s*(\d+)", (ROOT / ".streamlit" / "config.toml").read_text(),
                                 flags=re.M).group(1))
    nginx_mb = int(re.search(r"^\s*client_max_body_size (\d+)m;", CONFIG.read_text(), flags=re.M).group(1))
    assert nginx_mb == streamlit_mb + 1, (nginx_mb, streamlit_mb)


def test_one_session_plays_changes_a_slider_and_uploads_on_one_server(chromium, cluster):
    context, tab = new_session(chromium, cluster)
    try:
        # page load and Play
        server = open_chart(tab, cluster, "/convolution?h=8&w=8&speed=fast")
        route = route_of(context)
        assert server in cluster.servers, (server, list(cluster.servers))
        tab.locator(".js-plotly-plot .updatemenu-button", has_text="Play").click()
        tab.wait_for_function(f"() => document.querySelector('{PLOT}')._fullLayout.sliders[0].active >= 3")
        tab.locator(".js-plotly-plot .updatemenu-button", has_text="Pause").click()

        # a Streamlit slider: a rerun on the session's server, over its websocket
        height = tab.locator("[data-testid=stSlider]", has_text="Input height").locator("input[type=range]")
        height.focus()
        tab.keyboard.press("ArrowRight")
        wait_for_annotation(tab, "input 9×8×1")
        settle(tab)
        assert layout(tab, "gd._fullLayout.sliders[0].steps.length") == 7 * 6
        no_exception(tab)

        # an upload: the file goes to the server holding the session, which shows the result
        assert open_chart(tab, cluster, "/spatially_separable") == server
        tab.locator("[data-testid=stRadio] label", has_text="upload your own").click()
        file_input = tab.locator("[data-testid=stFileUploader] input[type=file]")
        file_input.wait_for(state="attached")
        settle(tab)
        file_input.set_input_files({"name": "noise.png", "mimeType": "image/png", "buffer": noise_png()})
        tab.locator("[data-testid=stImage]").nth(3).wait_for()
        settle(tab)
        captions = tab.locator("[data-testid=stImageCaption]").all_inner_texts()
        assert any(c.startswith(f"input {NOISE[1]}×{NOISE[0]}") for c in captions), captions
        assert any("two passes:" in c for c in captions), captions
        assert tab.locator(ERROR).count() == 0, tab.locator(ERROR).first.inner_text()
        no_exception(tab)
        assert not js_errors(tab), js_errors(tab)
        screenshot(tab, "proxy-upload.png")
    finally:
        context.close()  # closes the websockets, which nginx logs as they end

    # every request of this session that reached a server, websockets and upload included, went to
    # that one server (Streamlit's scripts come from nginx's cache or its compressing layer, and
    # nginx answers the page's probe of /<page>/_stcore/ itself)
    def logged():
        entries = access_log(cluster, route)
        return entries if sum(e["path"].startswith("/_stcore/stream") for e in entries) >= 2 else None

    deadline = time.monotonic() + 10
    while not (entries := logged()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert entries, f"nginx logged no two websockets for route {route}: {access_log(cluster)[-20:]}"
    websockets = [e for e in entries if e["path"].startswith("/_stcore/stream")]
    uploads = [e for e in entries if e["method"] == "PUT" and e["path"].startswith("/_stcore/upload_file/")]
    assert uploads, entries
    by_nginx = [e for e in entries if e["upstream"] in ("-", cluster.internal)]
    assert all(e["path"].startswith("/static/") or e["status"] == "404" for e in by_nginx), by_nginx
    used = {e["upstream"] for e in entries if e not in by_nginx}
    assert used == {server}, (used, entries)
    print(f"\nsession {route[:8]}…: {len(entries)} requests, {len(websockets)} websockets, "
          f"{len(uploads)} upload, all that reached a server served by {server}; {len(by_nginx)} by nginx")


def test_fresh_visitors_spread_over_both_servers_and_keep_theirs(cluster):
    client = Client(cluster.base)
    first = [client.get("/") for _ in range(16)]
    assert all(reply.status == 200 and reply.cookie for reply in first), [(r.status, r.cookie) for r in first]
    by_server = {}
    for reply in first:
        by_server.setdefault(served_by(cluster, reply.cookie), []).append(reply.cookie)
    assert set(by_server) == set(cluster.servers), by_server  # different cookies: both servers used
    for server, cookies in by_server.items():
        for cookie in cookies:
            since = logged_since(cluster, cookie)
            reply = client.get("/_stcore/health", cookie)
            assert reply.status == 200 and reply.cookie is None, (server, reply.status, reply.cookie)
            assert served_by(cluster, cookie, since) == server
    print("\n16 fresh visitors: " + ", ".join(f"{len(c)} on {s}" for s, c in sorted(by_server.items())))


def test_every_reply_has_the_security_headers_and_names_no_server(cluster, first_visit):
    # a browser's whole first visit: the page, every script, style and font, the favicon, the
    # health check and host-config, nginx's 404s for the page's probe
    assert len(first_visit.responses) > 50, [r.path for r in first_visit.responses]
    for response in first_visit.responses:
        assert_safe_headers(response.path, response.headers, cluster)
    # and what a student might try: redirects, missing files, blocked endpoints, the websocket
    client = Client(cluster.base)
    for path in ("/convolution/", "/static/", "/static/js/missing.js", "/media/missing.png", "/_stcore/metrics",
                 "/_stcore/upload_file/x/y", "/favicon.png", "/component/x/index.html"):
        reply = client.get(path)
        assert reply.status < 500, (path, reply.status)
        assert_safe_headers(path, reply.headers, cluster)
    websocket = client.websocket(first_visit.route)
    try:
        assert websocket.status == 101, websocket.status
        assert_safe_headers("/_stcore/stream", websocket.headers, cluster)
    finally:
        websocket.close()


def test_a_page_of_another_site_cannot_frame_the_app(chromium, cluster):
    """A page on another origin (another port of this machine) frames /convolution: through nginx
    the browser refuses; straight from a Streamlit server, with no such header, it shows the app."""
    target = {}

    class Framer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f'<iframe src="{target["url"]}" width="900" height="700"></iframe>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    other_site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Framer)
    threading.Thread(target=other_site.serve_forever, daemon=True).start()
    framed, refused = {}, {}
    try:
        for name, base in (("nginx", cluster.base), ("streamlit", f"http://{next(iter(cluster.servers))}")):
            target["url"] = base + "/convolution"
            context = chromium.new_context()
            try:
                tab = context.new_page()
                tab.on("requestfailed", lambda r, name=name: refused.setdefault(name, f"{r.url} {r.failure}"))
                tab.goto(f"http://127.0.0.1:{other_site.server_address[1]}/")  # its load waits for the frame's
                frame = tab.frames[1]
                if name == "streamlit":
                    frame.wait_for_selector(IDLE, state="attached")
                framed[name] = frame.url
            finally:
                context.close()
    finally:
        other_site.shutdown()
    # Chromium refuses the frame (frame-ancestors, X-Frame-Options) and shows its error page there
    assert framed["nginx"] == "chrome-error://chromewebdata/", framed
    assert "ERR_BLOCKED_BY_RESPONSE" in refused.get("nginx", ""), refused
    assert framed["streamlit"] == target["url"] and "streamlit" not in refused, (framed, refused)


def test_streamlits_internal_endpoints_answer_404_except_what_a_session_uses(cluster, first_visit):
    routes = stcore_routes()
    assert {"/_stcore/metrics", "/_stcore/health", "/_stcore/stream"} <= routes, routes  # the reading works
    used = {"/".join(r.path.split("?")[0].split("/")[:3]) for r in first_visit.responses
            if r.path.startswith("/_stcore/")} | {urlparse(w).path for w in first_visit.websockets}
    assert used <= {f"/_stcore/{name}" for name in SESSION_ENDPOINTS}, used
    client = Client(cluster.base)
    direct = urllib.request.urlopen(f"http://{next(iter(cluster.servers))}/_stcore/metrics", timeout=10).read()
    assert b"cache_memory_bytes" in direct  # what nginx keeps from the class: cache names, sessions

    blocked = sorted(r for r in routes if r.split("/")[2] not in SESSION_ENDPOINTS) + [
        "/_stcore/anything-new", "/_stcore/health/x", "/convolution/_stcore/metrics", "/component/x/index.html",
        "/auth/login", "/auth/logout", "/oauth2callback"]
    for path in blocked:
        reply = client.get(path)
        assert reply.status == 404 and b"cache_memory" not in reply.body, (path, reply.status)
    for path in ("/_stcore/health", "/_stcore/host-config"):
        assert client.get(path).status == 200, path
    # nginx answered each blocked path itself: none reached a server
    reached = [e for e in access_log(cluster) if e["path"] in blocked and e["upstream"] != "-"]
    assert not reached, reached
    print(f"\nblocked through nginx: {', '.join(blocked)}")


def test_static_files_come_gzipped_from_nginxs_cache(cluster, first_visit):
    static = [r for r in first_visit.responses if r.path.startswith("/static/")]
    compressible = [r for r in static if r.path.endswith((".js", ".css"))]
    assert len(compressible) > 50, [r.path for r in static]
    client = Client(cluster.base)
    # all gzipped in the browser's first visit, but files too small to gain (gzip_min_length)
    smallest = max(map(int, re.findall(r"gzip_min_length (\d+);", CONFIG.read_text())))
    plain = [(r.path, len(client.get(r.path).body)) for r in compressible if r.headers.get("content-encoding") != "gzip"]
    assert all(size < smallest for _, size in plain), plain
    assert len(plain) < len(compressible) / 4, plain
    path = main_script(client)
    original = urllib.request.urlopen(f"http://{next(iter(cluster.servers))}{path}", timeout=10).read()
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    plain = client.get(path)  # a client that does not accept gzip gets it unzipped by nginx
    assert zipped.headers.get("content-encoding") == "gzip" and gzip.decompress(zipped.body) == original
    assert "content-encoding" not in plain.headers and plain.body == original
    assert len(zipped.body) < 0.4 * len(original), (len(zipped.body), len(original))
    assert "immutable" in zipped.headers.get("cache-control", ""), zipped.headers

    # each file reached a Streamlit server (through the compressing layer) once; later, from the cache
    log = [e for e in access_log(cluster) if e["path"].startswith("/static/") and e["status"] == "200"]
    misses = [e["path"] for e in log if e["cache"] == "MISS"]
    assert len(misses) == len(set(misses)), sorted(p for p in misses if misses.count(p) > 1)
    assert all(e["upstream"] in ("-", cluster.internal) for e in log), {e["upstream"] for e in log}
    print(f"\n{path}: {len(original):,} bytes, {len(zipped.body):,} gzipped; "
          f"{len(log)} static requests so far, {len(misses)} reached a server")


def test_every_page_through_nginx_keeps_to_its_policy_and_asks_no_other_host(chromium, cluster):
    for path in page_paths():  # each a first visit
        context = offline_context(chromium, cluster.base)
        try:
            assert_self_contained(visit(context, path), cluster.base)
        finally:
            context.close()


def test_limits_are_sized_for_a_hall_of_100_behind_one_address(cluster, first_visit):
    """The shipped numbers against a real first visit, as Chromium made it: a hall of HALL students
    opening the link at once, from one address, stays within every limit."""
    numbers = limits()
    static = [e for e in first_visit.logged if e["path"].startswith("/static/")]
    others = [e for e in first_visit.logged if e not in static]
    to_servers = [e for e in others if e["upstream"] in cluster.servers]
    assert len(first_visit.logged) >= len(first_visit.responses) + len(first_visit.websockets)
    assert 2 * len(others) <= numbers["client burst"]  # two first visits of one browser
    assert HALL <= numbers["client burst"]  # the hall's first requests, without a cookie, share one
    assert len(page_paths()) * len(static) <= numbers["assets burst"]  # every page, no browser cache
    # the hall's requests to the servers, and its cold cache's misses (each file once) on top
    assert HALL * len(to_servers) + len(static) <= numbers["address burst"], (len(to_servers), len(static))
    assert PARALLEL + 1 <= numbers["browser_conn conn"] and HALL * (PARALLEL + 1) <= numbers["address_conn conn"]
    print(f"\na first visit: {len(first_visit.logged)} requests, {len(static)} of them static files, "
          f"{len(to_servers)} reaching a server; limits {numbers}")


def test_a_hall_of_40_first_visits_at_once_from_one_address_is_not_limited(cluster, first_visit):
    client = Client(cluster.base, "127.0.0.2")
    expected = {r.path: r.status for r in first_visit.responses}
    later = [path for path in expected if path != first_visit.document]
    start = threading.Barrier(VISITS)

    def one_visit(_):
        start.wait()
        page = client.get(first_visit.document)
        with ThreadPoolExecutor(PARALLEL) as browser:
            replies = list(browser.map(lambda path: (path, client.get(path, page.cookie).status), later))
        return [(first_visit.document, page.status), *replies], client.websocket(page.cookie)

    began = time.monotonic()
    with ThreadPoolExecutor(VISITS) as hall:
        visits = list(hall.map(one_visit, range(VISITS)))
    elapsed = time.monotonic() - began
    try:
        statuses = [status for replies, _ in visits for _, status in replies]
        assert all(websocket.status == 101 for _, websocket in visits), [w.status for _, w in visits]
        # as the browser saw them; an image of the recorded session is gone with it (404)
        wrong = [(path, status) for replies, _ in visits for path, status in replies
                 if status != expected[path] and not (path.startswith("/media/") and status == 404)]
        assert not wrong, wrong[:20]
        assert 429 not in statuses and 503 not in statuses
    finally:
        for _, websocket in visits:
            websocket.close()
    print(f"\n{VISITS} first visits from one address at once: {len(statuses) + VISITS} requests "
          f"(websockets included) in {elapsed:.1f} s, none limited")


def test_a_flood_from_one_browser_is_limited_and_its_neighbours_are_not(cluster):
    client = Client(cluster.base, "127.0.0.3")
    cookie, neighbour = client.get("/").cookie, client.get("/").cookie
    numbers = limits()
    result = flood(client, "/_stcore/health", lambda i: cookie)
    assert_limited(result, numbers["client rate"], numbers["client burst"], "one browser's flood")
    assert_safe_headers("429", result.limited.headers, cluster)
    # another browser behind the same address (the same NAT) is not held back
    assert client.get("/_stcore/health", neighbour).status == 200
    # Streamlit's static files have an allowance of their own, as large as a browser could need
    result = flood(client, main_script(client), lambda i: neighbour, {"Accept-Encoding": "gzip"})
    assert_limited(result, numbers["assets rate"], numbers["assets burst"], "one browser's flood of a static file")


def test_a_flood_without_cookies_is_limited_and_browsers_at_that_address_are_not(cluster):
    client = Client(cluster.base, "127.0.0.4")
    student = client.get("/").cookie  # in class before the flood began
    numbers = limits()
    result = flood(client, "/_stcore/health", lambda i: None)
    assert_limited(result, numbers["client rate"], numbers["client burst"], "one address's flood without cookies",
                   spent=1)
    assert client.get("/_stcore/health", student).status == 200


def test_a_flood_with_a_new_cookie_each_time_meets_the_addresss_limit(cluster):
    client = Client(cluster.base, "127.0.0.5")
    student = client.get("/").cookie
    numbers = limits()
    result = flood(client, "/_stcore/health", lambda i: secrets.token_hex(16))
    assert_limited(result, numbers["address rate"], numbers["address burst"], "one address inventing cookies",
                   spent=1)
    # the address's allowance for the servers is spent (it comes back at the rate's pace, shared by
    # everyone behind it), while Streamlit's scripts, from nginx's cache, still come
    assert client.get(main_script(Client(cluster.base)), student).status == 200


def test_a_flood_of_missing_static_files_with_a_new_cookie_each_time_meets_the_addresss_limit(cluster):
    """Streamlit answers a missing /static/ file with its page, marked no-cache, so each made-up path
    misses nginx's cache and reaches a server; with a new cookie each time the browser's allowance
    never runs out, but the address's does: the compressing layer counts each miss against it."""
    client = Client(cluster.base, "127.0.0.7")
    student = client.get("/").cookie
    numbers = limits()
    paths = [f"/static/js/flood.{secrets.token_hex(8)}.js" for _ in range(numbers["address burst"] * 20)]
    assert client.get(paths.pop(), secrets.token_hex(16)).status == 200  # a miss Streamlit answers (its page)
    result = flood(client, "", lambda i: secrets.token_hex(16), path_of=lambda i: paths[i])
    assert_limited(result, numbers["address rate"], numbers["address burst"], "one address's missing static files",
                   spent=2)
    assert_safe_headers("429", result.limited.headers, cluster)
    # what reached a server: every 200 came through the compressing layer, no 429 went past it
    sent = set(paths[:result.sent])
    deadline = time.monotonic() + 10
    while len(logged := [e for e in access_log(cluster) if e["path"] in sent]) < result.sent:
        assert time.monotonic() < deadline, (len(logged), result.sent)
        time.sleep(0.1)
    reached = [e for e in logged if e["status"] == "200"]
    assert all(e["upstream"] == cluster.internal and e["cache"] == "MISS" for e in logged), logged[:5]
    assert len(reached) == result.accepted <= numbers["address burst"] + 1 + numbers["address rate"] * (
        result.elapsed + 0.05) + 1, (len(reached), result.accepted)
    # the files a page uses still come from the cache, to a browser at that address
    assert client.get(main_script(Client(cluster.base)), student).status == 200
    print(f"\n{len(reached)} missing static files reached a server in {result.elapsed:.1f} s, "
          f"then {len(logged) - len(reached)} answered 429 by nginx")


def test_one_browser_holding_too_many_requests_open_is_limited(cluster):
    """Requests held open (here uploads whose body never finishes; a websocket is held the same way)
    count while they last: one browser past its limit gets 429, another at its address does not."""
    client = Client(cluster.base, "127.0.0.6")
    cookie, neighbour = client.get("/").cookie, client.get("/").cookie
    allowed = limits()["browser_conn conn"]

    def hold():
        connection = client.connect()
        connection.putrequest("PUT", "/_stcore/upload_file/x/y")
        connection.putheader("Cookie", f"{COOKIE}={cookie}")
        connection.putheader("Content-Length", "1000")
        connection.endheaders(b"x" * 10)
        return connection

    def until(status, deadline=10):  # nginx counts a request once it has read its header
        end = time.monotonic() + deadline
        while (reply := client.get("/_stcore/health", cookie)).status != status and time.monotonic() < end:
            time.sleep(0.1)
        return reply.status

    held = [hold() for _ in range(allowed)]
    try:
        assert until(429) == 429
        assert client.get("/_stcore/health", neighbour).status == 200
        held.pop().close()
        held.pop().close()
        assert until(200) == 200
    finally:
        for connection in held:
            connection.close()


def test_with_one_server_stopped_new_sessions_load_on_the_other(chromium, cluster):
    # a returning visitor's cookie that points at the server about to stop
    victim, survivor = list(cluster.servers)
    client = Client(cluster.base)
    stale = None
    for _ in range(40):
        cookie = client.get("/").cookie
        if served_by(cluster, cookie) == victim:
            stale = cookie
            break
    assert stale, f"40 fresh visitors and none on {victim}"

    stop(cluster.servers[victim].process)

    since = logged_since(cluster, stale)
    reply = client.get("/", stale)
    assert reply.status == 200 and served_by(cluster, stale, since) == survivor, reply.status
    tried = access_log(cluster, stale)[since]["upstream"]
    report = [f"stale cookie after the stop: nginx tried {tried!r}"]

    # Two new visitors, then the returning one: one browser whose cookies are cleared before each
    # visit, so nginx sees a new visitor every time (its HTTP cache keeps Streamlit's scripts).
    context, _ = new_session(chromium, cluster)
    routes = set()
    try:
        for cookie in (None, None, stale):
            context.clear_cookies()
            if cookie:
                context.add_cookies([{"name": COOKIE, "value": cookie, "url": cluster.base}])
            tab = new_tab(context)
            server = open_chart(tab, cluster, "/convolution")
            assert server == survivor, (server, survivor)
            assert tab.locator(PLOT).count() >= 1
            assert not js_errors(tab), js_errors(tab)
            routes.add(route_of(context))
            report.append(f"{'returning' if cookie else 'new'} session {route_of(context)[:8]}…: {server}")
            tab.close()
    finally:
        context.close()
    assert len(routes) == 3 and stale in routes, routes
    print("\n" + "\n".join(report))
