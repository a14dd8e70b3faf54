"""Issue 12 in a real browser: what a notice or an error shows of a hostile link or typed kernel,
and what an unforeseen exception shows with the project's server configuration.

Reuses test_browser.py's fixtures (its own server and Chromium for this module).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse

import pytest
from test_browser import (  # noqa: F401  (the fixtures are found by name)
    ARTIFACTS,
    IDLE,
    ROOT,
    app_url,
    chromium,
    free_port,
    new_tab,
    no_exception,
    settle,
    wait_healthy,
)

ALERT = "[data-testid=stAlert]"


@pytest.fixture(scope="module")
def context(chromium, app_url):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.base_url = app_url
    yield context
    context.close()


def alert_with(page, text: str):
    page.wait_for_selector(IDLE, state="attached")
    alert = page.locator(ALERT, has_text=text)
    alert.first.wait_for()
    return alert.first


def test_a_link_in_a_link_value_is_shown_as_text_not_as_a_link(context):
    page = new_tab(context)
    page.goto(page.base_url + "/convolution?h=http://127.0.0.1:9/x")
    settle(page)
    notice = alert_with(page, "http://127.0.0.1:9/x")
    assert notice.locator("a").count() == 0
    assert "http://127.0.0.1:9/x" in notice.inner_text()
    no_exception(page)
    page.close()


def test_a_typed_kernel_with_a_link_is_quoted_as_typed(context):
    page = new_tab(context)
    query = urllib.parse.urlencode({"kernel": "custom"})
    page.goto(page.base_url + f"/spatially_separable?{query}")
    settle(page)
    box = page.locator("[data-testid=stTextInput]", has_text="Custom kernel").locator("input")
    box.fill("http://a.co/ 1 $x$ **b**")
    box.press("Enter")
    error = alert_with(page, "is not a number")
    assert error.locator("a").count() == 0
    assert '"http://a.co/"' in error.inner_text()
    no_exception(page)
    page.close()


def test_an_unforeseen_exception_shows_no_traceback_or_path(chromium, tmp_path):  # noqa: F811
    """The project's .streamlit/config.toml (read from the folder the server starts in) on a script
    that raises: the browser gets a generic message, the server's log keeps the detail."""
    script = tmp_path / "fails.py"
    script.write_text("import streamlit as st\nst.write('before')\nraise ValueError('detail only for the log')\n")
    port, log_path = free_port(), ARTIFACTS / "streamlit-fails.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server, log_path, "streamlit")
        page = chromium.new_page()
        page.goto(base)
        page.wait_for_selector("[data-testid=stException]")
        page.wait_for_selector(IDLE, state="attached")
        shown = page.locator("[data-testid=stApp]").inner_text()
        assert "before" in shown
        for secret in ("detail only for the log", "Traceback", str(tmp_path), "fails.py", "line 3"):
            assert secret not in shown, secret
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "detail only for the log" in log_path.read_text()
