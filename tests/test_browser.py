"""The app in a real browser: Playwright driving Debian's Chromium against `streamlit run app.py`.

What AppTest cannot see is checked here: the sidebar built by st.navigation, a deep link served
first by a fresh server, the Plotly figure's own Play / Pause / step slider (no Streamlit rerun),
and the heatmaps staying drawn while the animation plays (see DESIGN.md, "Animations").

One server and one browser serve the whole module; every test opens its own tab. Screenshots go
to test-artifacts/ at the repo root (git-ignored).
"""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import engine  # noqa: E402  (after the path fix, for runs from another folder)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI") == "true"

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
PLOT = "[data-testid=stPlotlyChart] .js-plotly-plot"
HEATMAP_IMAGES = ".js-plotly-plot .heatmaplayer image"  # one <image> per heatmap trace (plotly's g.hm)
GD = f"document.querySelector('{PLOT}')"  # the plotly graph div, for page JS
# The figure's annotations as plain text: "<b>input</b><br>6×7×2" reads "input 6×7×2".
ANNOTATIONS = (f"((({GD}) || {{}})._fullLayout?.annotations || [])"
               ".map(a => (a.text || '').replace(/<br\\s*\\/?>/gi, ' ').replace(/<[^>]*>/g, '')"
               ".replace(/\\s+/g, ' ').trim())")

# The heatmap images, each with whether it is drawn: in the DOM, a non-empty bitmap, a real box.
HEATMAP_STATE = f"""() => [...document.querySelectorAll('{HEATMAP_IMAGES}')].map(image => {{
    const box = image.getBoundingClientRect(), css = getComputedStyle(image);
    return {{href: (image.getAttribute('href') || image.getAttribute('xlink:href') || '').length,
             width: box.width, height: box.height,
             shown: css.visibility !== 'hidden' && css.display !== 'none' && css.opacity !== '0'}};
}})"""


def unavailable(reason: str):
    """A missing browser fails the run in CI (where it must be installed) and skips it elsewhere."""
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def page_titles() -> list[str]:
    """The titles of the st.Page(...) calls in app.py, in order: what the sidebar must list."""
    calls = sorted(
        (node for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8")))
         if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Page"),
        key=lambda node: (node.lineno, node.col_offset))
    return [k.value.value for node in calls for k in node.keywords
            if k.arg == "title" and isinstance(k.value, ast.Constant)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the whole module."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is missing: pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def wait_healthy(url: str, process: subprocess.Popen, log: Path, what: str, seconds: float = 90) -> None:
    """Wait until `url`/_stcore/health answers "ok"; fail with the log's end if `process` exits or
    `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer on {url} within {seconds:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def app_server(log_path: Path, env: dict | None = None):
    """`streamlit run app.py` on a free port (with `env` added to the environment); its base URL once
    /_stcore/health answers "ok"; stopped afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **(env or {}))
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server, log_path, "streamlit", seconds=60)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def app_url(chromium):
    """`streamlit run app.py` on a free port; the base URL once /_stcore/health answers "ok"."""
    with app_server(ARTIFACTS / "streamlit-server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser_context(chromium, app_url):
    """One context (its HTTP cache keeps Streamlit's bundle), a tall viewport so the chart and its
    controls are on screen."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    context.base_url = app_url
    yield context
    context.close()


def new_tab(context):
    """A tab of its own: a new Streamlit session, its uncaught JS errors collected."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(error.message))
    page.base_url = context.base_url
    page.js_errors = errors
    return page


@pytest.fixture
def tab(browser_context):
    page = new_tab(browser_context)
    yield page
    page.close()


@pytest.fixture(scope="module")
def deep_link_tab(browser_context):
    """The deep link, opened once for the tests that only read it."""
    page = new_tab(browser_context)
    yield page
    page.close()


# --- helpers -------------------------------------------------------------------------------------


def settle(page, chart: bool = True) -> None:
    """Wait until the script has finished and, if expected, the chart exists."""
    page.wait_for_selector(IDLE, state="attached")
    if chart:
        page.wait_for_selector(PLOT, state="attached")


def open_app(page, path: str, chart: bool = True) -> None:
    page.goto(page.base_url + path)
    settle(page, chart)


def layout(page, expression: str):
    """Evaluate a JS expression with `gd` bound to the plot's graph div."""
    return page.evaluate(f"() => {{ const gd = {GD}; return {expression}; }}")


def annotations(page) -> list[str]:
    return page.evaluate(f"() => {ANNOTATIONS}")


def wait_for_annotation(page, text: str) -> None:
    """Wait until one of the chart's annotations (as plain text) contains `text`."""
    page.wait_for_function(f"text => {ANNOTATIONS}.some(a => a.includes(text))", arg=text)


def heatmaps(page) -> list[dict]:
    return page.evaluate(HEATMAP_STATE)


def assert_drawn(images: list[dict], expected: int) -> None:
    assert len(images) == expected > 0, images
    for image in images:
        assert image["href"] > 0 and image["width"] > 0 and image["height"] > 0 and image["shown"], image


def js_errors(page) -> list[str]:
    """Uncaught errors in the page, less plotly.js's own for an interrupted animation.

    Pausing (or scrubbing) while Play runs interrupts Plotly.animate, which rejects the running
    call's promise with no reason; plotly.js logs "API call to Plotly.animate rejected" and the
    rejection surfaces as an uncaught error whose message is "undefined". It is harmless.
    """
    return [message for message in page.js_errors if message.strip() != "undefined"]


def no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0, page.locator(
        "[data-testid=stException]").first.inner_text()


def slider_value(page, label: str) -> str:
    return page.locator("[data-testid=stSlider]", has_text=label).locator("input[type=range]").input_value()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


# --- tests (in this order: the first one must be the fresh server's first page) --------------------

DEEP_LINK = "/convolution?h=6&w=7&c=2&n=2&pad=1"


def test_deep_link_is_the_first_page_served(deep_link_tab):
    tab = deep_link_tab
    open_app(tab, DEEP_LINK)
    wait_for_annotation(tab, "input 6×7×2")

    nav = tab.locator("[data-testid=stSidebarNav] a").evaluate_all(
        "links => links.map(a => (a.querySelector('[data-testid=stMarkdownContainer]') || a).innerText.trim())")
    # exactly app.py's pages, in lecture order (the older pages/ discovery would list file names)
    assert nav == page_titles(), (nav, page_titles())
    assert nav[:2] == ["Welcome", "Convolution"], nav
    assert tab.locator("h1").first.inner_text().strip() == "Convolution"
    assert "/convolution" in tab.url

    # the controls and the chart both show the URL's configuration
    for label, value in (("Input height", "6"), ("Input width", "7"), ("Input channels", "2"),
                         ("Number of kernels", "2")):
        assert slider_value(tab, label) == value, label
    texts = annotations(tab)
    assert any("input 6×7×2" in t and "padded to 8×9" in t for t in texts), texts
    assert any("output 6×7×2" in t for t in texts), texts
    assert any(re.search(r"2 kernels (of )?3×3×2", t) for t in texts), texts
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)
    screenshot(tab, "convolution-at-rest.png")


def test_chart_draws_every_grid_as_a_heatmap(deep_link_tab):
    tab = deep_link_tab
    if DEEP_LINK not in tab.url:  # run on its own
        open_app(tab, DEEP_LINK)
    traces = layout(tab, "gd._fullData.map(d => d.type)")
    # 2 input channels + their 2 padding rings + 2 kernels x 2 channels + 2 output maps
    assert traces.count("heatmap") == 10, traces
    assert tab.locator(".js-plotly-plot g.hm image").count() == 10
    assert_drawn(heatmaps(tab), traces.count("heatmap"))
    # frames move the window; they never carry a trace (which would blank the heatmaps)
    frames = layout(tab, "gd._transitionData._frames.map(f => [Object.keys(f.layout || {}), !!f.data])")
    assert len(frames) == 84  # 2 kernels x 6 x 7 positions
    assert all(not has_data and "xaxis2.range" in keys for keys, has_data in frames)


def test_play_keeps_the_heatmaps_drawn_and_pause_stops(tab):
    open_app(tab, "/convolution?h=8&w=8&speed=fast")
    steps = layout(tab, "gd._fullLayout.sliders[0].steps.length")
    assert steps == 36
    expected = len(heatmaps(tab))
    assert_drawn(heatmaps(tab), expected)
    start_range = layout(tab, "gd._fullLayout.xaxis2.range.slice()")

    tab.locator(".js-plotly-plot .updatemenu-button", has_text="Play").click()
    actives, ranges = [], []
    for sample in range(6):
        tab.wait_for_timeout(250)
        assert_drawn(heatmaps(tab), expected)  # drawn WHILE it plays, not only at rest
        actives.append(layout(tab, "gd._fullLayout.sliders[0].active"))
        ranges.append(layout(tab, "gd._fullLayout.xaxis2.range.slice()"))
        if sample == 2:
            screenshot(tab, "convolution-playing.png")
    assert actives == sorted(actives) and actives[-1] > actives[0] >= 0, actives
    assert actives[-1] < steps - 1, "played to the end too fast to sample"
    assert any(r != start_range for r in ranges), (start_range, ranges)  # the window moved

    tab.locator(".js-plotly-plot .updatemenu-button", has_text="Pause").click()
    tab.wait_for_timeout(100)
    paused = layout(tab, "gd._fullLayout.sliders[0].active")
    paused_range = layout(tab, "gd._fullLayout.xaxis2.range.slice()")
    tab.wait_for_timeout(1500)
    assert layout(tab, "gd._fullLayout.sliders[0].active") == paused
    assert layout(tab, "gd._fullLayout.xaxis2.range.slice()") == paused_range
    assert_drawn(heatmaps(tab), expected)
    assert not js_errors(tab), js_errors(tab)


def test_streamlit_slider_recomputes_and_updates_the_url(tab):
    open_app(tab, "/convolution?h=5&w=5")
    assert any("input 5×5×1" in t for t in annotations(tab))
    height = tab.locator("[data-testid=stSlider]", has_text="Input height").locator("input[type=range]")
    height.focus()
    tab.keyboard.press("ArrowRight")
    wait_for_annotation(tab, "input 6×5×1")
    settle(tab)
    tab.wait_for_url(re.compile(r"[?&]h=6(&|$)"))
    assert slider_value(tab, "Input height") == "6"
    assert any("output 4×3×1" in t for t in annotations(tab))  # (6-3+1) x (5-3+1)
    assert layout(tab, "gd._fullLayout.sliders[0].steps.length") == 12
    no_exception(tab)


def test_impossible_configuration_explains_the_fix_then_recovers(tab):
    open_app(tab, "/convolution?h=3&w=3&kh=7&kw=7", chart=False)
    alert = tab.locator("[data-testid=stAlertContainer]")
    alert.wait_for()
    assert tab.locator("[data-testid=stAlert]").count() == 1
    text = alert.inner_text()
    assert "cannot be computed" in text
    assert "kernel 7" in text and "padded input is 3" in text  # names the parameter
    assert "smaller kernel" in text and "more padding" in text  # and the fix
    assert tab.locator("[data-testid=stPlotlyChart]").count() == 0
    no_exception(tab)
    screenshot(tab, "convolution-error.png")

    tab.goto(tab.base_url + "/convolution?h=7&w=7&kh=7&kw=7")  # the same kernel now fits
    settle(tab)
    wait_for_annotation(tab, "output 1×1×1")
    assert tab.locator("[data-testid=stAlertContainer]").count() == 0
    no_exception(tab)


def test_last_step_counts_the_engines_multiplications(tab):
    c, h, w, n, stride, pad, dil = 2, 7, 6, 2, 2, 1, 2
    open_app(tab, f"/convolution?h={h}&w={w}&c={c}&n={n}&stride={stride}&pad={pad}&dil={dil}")
    cost = engine.standard_cost((c, h, w), (3, 3), n, stride=stride, padding=pad, dilation=dil)
    names = layout(tab, "gd._transitionData._frames.map(f => f.name)")
    steps = layout(tab, "gd._fullLayout.sliders[0].steps.length")
    assert len(names) == steps == n * cost.out_shape[1] * cost.out_shape[2]

    tab.evaluate(f"""() => Plotly.animate({GD}, [{names[-1]!r}],
        {{frame: {{redraw: false}}, mode: 'immediate', transition: {{duration: 0}}}})""")
    tab.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active === {steps - 1}")
    label = layout(tab, f"gd._fullLayout.sliders[0].steps[{steps - 1}].label")
    counted = re.search(r"([\d,]+) multiplications", label)
    assert counted, label
    assert int(counted.group(1).replace(",", "")) == cost.multiplications, (label, cost)
    assert label.startswith(f"{steps}/{steps}")
    # what the slider prints on screen, and the page's metric, say the same
    on_screen = tab.locator(".js-plotly-plot .slider-container").first.text_content()
    assert f"{cost.multiplications:,} multiplications" in on_screen, on_screen
    metric = tab.locator("[data-testid=stMetric]", has_text="Multiplications").locator("[data-testid=stMetricValue]")
    assert metric.inner_text().replace(",", "").strip() == str(cost.multiplications)
    screenshot(tab, "convolution-last-step.png")
    assert not js_errors(tab), js_errors(tab)
