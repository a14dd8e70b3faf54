"""Two app servers behind nginx with sticky sessions (deploy/nginx.conf), driven by Chromium.

Starts two `streamlit run app.py` servers and Debian's nginx on free loopback ports, with a copy of
deploy/nginx.conf whose ports are replaced by those, then:
- the browser smoke test through the proxy (page load, Play, a slider change, an upload) in one
  session, and nginx's access log showing that every request of that session, its websockets and
  its upload included, went to the one server its cookie picked;
- fresh visitors (no cookie) spread over both servers, and each cookie keeps its server;
- one server stopped: new sessions, and old cookies that pointed at it, all load on the other.

Like the other browser tests it skips without Chromium or nginx, except under CI=true, where
either missing is a failure. nginx's logs and a screenshot go to test-artifacts/.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_browser import (  # noqa: F401  (the chromium fixture is found by name)
    ARTIFACTS,
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

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
# The shipped file's example ports, replaced in the run copy.
LISTEN, UPSTREAMS = "8080", ("8501", "8502")
COOKIE = "stroute"
ERROR = "[data-testid=stAlertContentError]"  # st.error; the pages' st.info notes are fine
NOISE = (600, 660)  # rows, columns of the uploaded image: random pixels, a PNG of about 1.2 MB
ACCESS = re.compile(r'"(?P<method>\S+) (?P<path>\S+)[^"]*" (?P<status>\d+) \d+ route=(?P<route>\S+) '
                    r'upstream="(?P<upstream>[^"]*)"')


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")  # sbin is not on every PATH
    if not found:
        unavailable("nginx is missing: apt-get install -y nginx")
    return found


def run_copy(listen: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf with the test's ports in place of the example ones (each must be there once)."""
    text = CONFIG.read_text(encoding="utf-8")
    text, n = re.subn(rf"^(\s*)listen {LISTEN};", rf"\1listen 127.0.0.1:{listen};", text, flags=re.M)
    assert n == 1, "deploy/nginx.conf has no `listen 8080;` line"
    for example, port in zip(UPSTREAMS, upstreams):
        text, n = re.subn(rf"^(\s*)server 127\.0\.0\.1:{example}\b", rf"\g<1>server 127.0.0.1:{port}", text, flags=re.M)
        assert n == 1, f"deploy/nginx.conf has no `server 127.0.0.1:{example}` line"
    return text


def noise_png() -> bytes:
    """A PNG larger than nginx's default 1 MB request limit, so the upload proves client_max_body_size."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(7).integers(0, 256, (*NOISE, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    assert out.tell() > 1_100_000, out.tell()
    return out.getvalue()


def served_by(header: str | None) -> str:
    """The server that answered: the last of $upstream_addr's list ("a, b" when a failed first)."""
    assert header, "no X-Upstream header: the reply did not come through deploy/nginx.conf"
    return header.split(",")[-1].strip()


def fetch(url: str, cookie: str | None = None):
    """A GET with no cookie jar: (status, X-Upstream, the stroute cookie it sets or None)."""
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, headers = answer.status, answer.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    set_cookie = re.search(rf"{COOKIE}=([^;]+)", headers.get("Set-Cookie") or "")
    return status, headers.get("X-Upstream"), set_cookie and set_cookie.group(1)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def access_log(cluster, route: str | None = None) -> list[dict]:
    lines = cluster.access_log.read_text().splitlines() if cluster.access_log.exists() else []
    entries = [m.groupdict() for m in map(ACCESS.search, lines) if m]
    return [e for e in entries if route is None or e["route"] == route]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """Two app servers and nginx in front of them, all on free loopback ports."""
    nginx = nginx_binary()
    ARTIFACTS.mkdir(exist_ok=True)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    servers = {}
    for port in ports:  # start both, then wait for both: they boot in parallel
        log_path = ARTIFACTS / f"proxy-streamlit-{port}.log"
        with open(log_path, "wb") as log:
            servers[f"127.0.0.1:{port}"] = SimpleNamespace(log=log_path, process=subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--server.port", str(port)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env))

    # nginx's prefix: its pid file, logs and temporary files. When the test runs as root (CI), the
    # workers run as an unprivileged user and must reach the temporary files, hence 0755.
    prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
    prefix.chmod(0o755)
    listen = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(run_copy(listen, ports), encoding="utf-8")
    nginx_log = ARTIFACTS / "proxy-nginx.log"
    proxy = None
    try:
        for address, server in servers.items():
            wait_healthy(f"http://{address}", server.process, server.log, f"streamlit on {address}")
        with open(nginx_log, "wb") as log:
            proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{listen}"
        wait_healthy(base, proxy, nginx_log, "nginx", seconds=20)
        yield SimpleNamespace(base=base, servers=servers, access_log=prefix / "access.log")
    finally:
        if proxy is not None:
            stop(proxy, signal.SIGQUIT)  # graceful: open websockets are logged as they close
        for server in servers.values():
            stop(server.process)
        for name in ("access.log", "error.log"):
            if (prefix / name).exists():
                shutil.copy(prefix / name, ARTIFACTS / f"proxy-nginx-{name}")
        shutil.rmtree(prefix, ignore_errors=True)


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


def open_chart(tab, path: str) -> str:
    """Open a page through the proxy, wait for its chart; the server that answered."""
    response = tab.goto(tab.base_url + path)
    assert response.ok, response.status
    settle(tab)
    no_exception(tab)
    assert tab.locator(ERROR).count() == 0, tab.locator(ERROR).first.inner_text()
    return served_by(response.headers.get("x-upstream"))


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
        server = open_chart(tab, "/convolution?h=8&w=8&speed=fast")
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
        assert open_chart(tab, "/spatially_separable") == server
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

    # every request of this session, websockets and upload included, went to that one server
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
    used = {e["upstream"] for e in entries}
    assert used == {server}, (used, entries)
    print(f"\nsession {route[:8]}…: {len(entries)} requests, {len(websockets)} websockets, "
          f"{len(uploads)} upload, all served by {server}")


def test_fresh_visitors_spread_over_both_servers_and_keep_theirs(cluster):
    first = [fetch(cluster.base + "/") for _ in range(16)]
    assert all(status == 200 and cookie for status, _, cookie in first), first
    by_server = {}
    for _, upstream, cookie in first:
        by_server.setdefault(served_by(upstream), []).append(cookie)
    assert set(by_server) == set(cluster.servers), by_server  # different cookies: both servers used
    for server, cookies in by_server.items():
        for cookie in cookies:
            status, upstream, new_cookie = fetch(cluster.base + "/_stcore/health", cookie)
            assert status == 200 and served_by(upstream) == server and new_cookie is None, (server, upstream)
    print("\n16 fresh visitors: " + ", ".join(f"{len(c)} on {s}" for s, c in sorted(by_server.items())))


def test_with_one_server_stopped_new_sessions_load_on_the_other(chromium, cluster):
    # a returning visitor's cookie that points at the server about to stop
    victim, survivor = list(cluster.servers)
    stale = None
    for _ in range(40):
        _, upstream, cookie = fetch(cluster.base + "/")
        if served_by(upstream) == victim:
            stale = cookie
            break
    assert stale, f"40 fresh visitors and none on {victim}"

    stop(cluster.servers[victim].process)

    status, upstream, _ = fetch(cluster.base + "/", stale)
    assert status == 200 and served_by(upstream) == survivor, (status, upstream)
    report = [f"stale cookie after the stop: X-Upstream {upstream!r}"]

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
            server = open_chart(tab, "/convolution")
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
