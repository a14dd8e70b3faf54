"""Every page with the network cut off: the app loads nothing from another host.

A lecture hall's network may have no way out, or a slow one, and no font CDN needs to learn who
opened the app: every script, style, font and icon, the favicon included, comes from the app's own
server. Each page is opened in a fresh browser (an empty cache, so it asks for everything) whose
requests to any host but this machine are aborted and recorded. The page must ask no other host,
no request may fail, and the console must show no error except the two 404s of Streamlit's own
base-path probe: on a page other than the first, the page's script asks for
/<page>/_stcore/health and /<page>/_stcore/host-config (in case the app is served under that path),
gets 404, and then connects at /.

The helpers here also check the pages through nginx (tests/test_proxy.py), where the
Content-Security-Policy applies: a violation of it is recorded too.
"""

from __future__ import annotations

import ast
import re
from types import SimpleNamespace
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image
from test_browser import (  # noqa: F401  (the fixtures are found by name)
    ROOT,
    app_url,
    chromium,
    js_errors,
    new_tab,
    settle,
)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FAVICON = ROOT / "assets" / "favicon.png"
# Every Content-Security-Policy violation in the page, as "directive blocked-url".
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def page_paths() -> list[str]:
    """The address of each page in app.py's st.Page(...) calls, in order: "/" for the default page,
    "/<url_path>" for the others."""
    paths = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
            paths.append((node.lineno, "/" if keywords.get("default") else f"/{keywords['url_path']}"))
    return [path for _, path in sorted(paths)]


def offline_context(browser, base: str):
    """A browser context for the app at `base`, whose requests to any host but this machine are
    aborted and listed in `context.outside`, and whose pages record Content-Security-Policy
    violations."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.base_url = base
    context.outside = []

    def this_machine_only(route):
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            context.outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", this_machine_only)
    context.add_init_script(RECORD_VIOLATIONS)
    return context


def visit(context, path: str) -> SimpleNamespace:
    """Open `path` in a new tab of an offline_context and wait until the page and every request it
    makes have finished; what went wrong, and the favicon the page shows."""
    tab = new_tab(context)
    base = context.base_url
    failed, errors = [], []
    tab.on("requestfailed", lambda request: failed.append(f"{request.url} ({request.failure})"))
    tab.on("console", lambda message: errors.append(message) if message.type == "error" else None)
    try:
        tab.goto(base + path)
        settle(tab, chart=False)
        tab.wait_for_load_state("networkidle")
        favicon = tab.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\").href")
        favicon_bytes = tab.request.get(favicon).body() if favicon.startswith(base) else b""
        probe = re.compile(rf"{re.escape(base + path)}/_stcore/(health|host-config)")
        return SimpleNamespace(
            outside=list(context.outside), failed=failed,
            errors=[f"{m.text} ({m.location.get('url')})" for m in errors
                    if not (path != "/" and "404" in m.text and probe.fullmatch(m.location.get("url", "")))],
            page_errors=js_errors(tab), violations=tab.evaluate("() => window.__violations"),
            favicon=favicon, favicon_bytes=favicon_bytes)
    finally:
        tab.close()


def assert_self_contained(result: SimpleNamespace, base: str) -> None:
    """Nothing asked of another host, nothing failed, no console error, no policy violation, and the
    favicon is the app's own file, served by the app."""
    assert not result.outside, f"requests to other hosts: {result.outside}"
    assert not result.failed, f"failed requests: {result.failed}"
    assert not result.errors, f"console errors: {result.errors}"
    assert not result.page_errors, f"uncaught errors: {result.page_errors}"
    assert not result.violations, f"Content-Security-Policy violations: {result.violations}"
    assert result.favicon.startswith(base + "/"), result.favicon
    assert result.favicon_bytes == FAVICON.read_bytes(), result.favicon


# --- tests ---------------------------------------------------------------------------------------


def test_the_favicon_is_the_one_make_samples_draws():
    import sys

    sys.path.insert(0, str(ROOT / "assets"))
    from make_samples import favicon

    shipped = np.asarray(Image.open(FAVICON))
    assert shipped.shape == (64, 64, 4)
    assert np.array_equal(shipped, favicon())


def test_every_page_of_app_py_is_visited():
    assert page_paths() == ["/", "/convolution", "/spatially_separable", "/depthwise", "/pointwise",
                            "/depthwise_separable", "/flattening", "/network_costs",
                            "/measured_time", "/join"]


@pytest.mark.parametrize("path", page_paths())
def test_first_visit_asks_no_other_host_and_nothing_fails(chromium, app_url, path):
    context = offline_context(chromium, app_url)
    try:
        result = visit(context, path)
    finally:
        context.close()
    assert_self_contained(result, app_url)
