"""Offline export of an animation (issue 6): one HTML file, plotly.js inside, that plays from disk.

Unit tests read the file as text; the browser tests open it as file:// in Debian's Chromium with
the network off (an offline context, and a route that aborts and counts every request that is not
a file), press ▶ Play and watch the step slider and the caption move. The AppTest checks put the
button under every scan, and nowhere else. Screenshots go to test-artifacts/export-*.png.
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest
import streamlit
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_browser import ARTIFACTS
from test_browser import chromium  # noqa: F401  (the fixture is found by name)

import engine
import viz
from conftest import ROOT
from viz import depthwise as viz_depthwise
from viz import export

LABEL = "Download this animation (HTML, plays offline)"
PLAY = "▶ Play"
GD = "document.querySelector('.js-plotly-plot')"
FIGURE = re.compile(r"const figure = (.*?);\n  const config = ", re.S)


def lecture_scan(frame_ms: int = 700):
    """The Convolution page's default: the lecture's 5×5 image and 3×3 Sobel kernel, as the page builds it."""
    x = engine.input_pattern("random integers", 1, 5, 5, 0)
    w = engine.kernel_bank("Sobel x", 1, 1, 3, 3, 0)
    return viz.scan_figure(engine.scan_trace(x, w, 1, 0, 1), frame_ms=frame_ms)


def lecture_depthwise(frame_ms: int = 700):
    """The lecture's depthwise example: 6×6×16, one 3×3 kernel per channel."""
    x = engine.input_pattern("random integers", 16, 6, 6, 0)
    w = engine.kernel_bank("random", 16, 1, 3, 3, 0)[:, 0]
    return viz_depthwise.depthwise_scan_figure(engine.depthwise_trace(x, w), frame_ms=frame_ms)


def embedded(html: str) -> dict:
    """The figure the file carries, as plotly.js gets it."""
    return json.loads(FIGURE.search(html).group(1))


def outside_plotlyjs(html: str) -> str:
    """The file less the inlined plotly.js: what this app wrote."""
    assert html.count(export.plotlyjs()) == 1
    return html.replace(export.plotlyjs(), "")


# --- the file ------------------------------------------------------------------------------------


def test_the_file_holds_the_frames_the_slider_and_plotlyjs():
    figure = lecture_scan()
    html = export.standalone_html(figure, "Convolution animation")
    assert html.startswith("<!DOCTYPE html>")
    assert export.plotlyjs() in html and "plotly.js v" in html[:100_000]
    spec = embedded(html)
    raw = figure.to_dict()
    assert spec["frames"] == raw["frames"] and len(spec["frames"]) == 9
    assert all("annotations[0].text" in f["layout"] and "xaxis2.range" in f["layout"] for f in spec["frames"])
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["args"][0] for s in steps] == [[f["name"]] for f in spec["frames"]]
    assert "81 multiplications" in steps[-1]["label"]
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == [PLAY, "❚❚ Pause"]
    assert len(spec["data"]) == len(raw["data"])
    assert "Plotly.addFrames" in html and "Plotly.newPlot" in html
    # the title and the line that says what this is and that it plays offline
    assert "<title>Convolution animation</title>" in html and "<h1>Convolution animation</h1>" in html
    line = re.search(r"<p>(.*?)</p>", html).group(1)
    assert "input 5×5×1" in line and "▶ Play" in line and "step slider" in line and "offline" in line


def test_the_file_fetches_nothing():
    html = export.standalone_html(lecture_depthwise(), "Depthwise animation")
    ours = outside_plotlyjs(html)
    # plotly.js has URL strings in its code; what this app writes has none
    assert "http://" not in ours and "https://" not in ours and "//cdn" not in ours
    assert not re.search(r"<(link|img|iframe|object|embed)\b", ours, re.I)
    assert not re.search(r"url\(|@import|fetch\(|XMLHttpRequest|\bimport\(", ours)
    # the only two scripts: plotly.js and the few lines that draw the figure; neither has a src
    assert len(re.findall(r"<script\b", html, re.I)) == 2
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)


def test_the_line_names_the_grids_when_there_are_few():
    assert export.describe(lecture_scan().to_dict()) == "input 5×5×1 · 1 kernel 3×3×1 · output 3×3×1"
    assert export.describe(lecture_depthwise().to_dict()) == ""  # 16 channel titles: too many for a line


def test_text_is_escaped_and_the_figure_cannot_end_its_script():
    figure = lecture_scan().to_dict()
    figure["layout"]["annotations"][0]["text"] = "</script><script>alert(1)</script>"
    html = export.standalone_html(figure, "<b>a & b</b>")
    assert "<title>&lt;b&gt;a &amp; b&lt;/b&gt;</title>" in html
    assert "alert(1)" in html and "<script>alert(1)" not in html
    assert embedded(html)["layout"]["annotations"][0]["text"] == "</script><script>alert(1)</script>"


def test_a_plain_figure_and_a_dict_export_too():
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    for item in (figure, figure.to_dict()):
        html = export.standalone_html(item, "Bars")
        spec = embedded(html)
        assert spec["frames"] == [] and spec["data"][0]["type"] == "bar"
        assert "step slider" not in html  # nothing to play


def test_plotlyjs_is_the_major_version_streamlit_draws_with():
    """The file's plotly.js (from plotly.py) and the one Streamlit bundles share their major version,
    so a figure that plays in the app plays in the file."""
    ours = re.search(r"plotly\.js v(\d+)\.", export.plotlyjs()[:300]).group(1)
    bundles = glob.glob(os.path.join(os.path.dirname(streamlit.__file__), "static", "static", "js", "PlotlyChart*.js"))
    if not bundles:
        pytest.skip("Streamlit's plotly bundle was not found")
    with open(bundles[0], encoding="utf-8") as f:
        theirs = set(re.findall(r"\.version=`(\d+)\.\d+\.\d+`", f.read()))
    assert ours in theirs, (ours, theirs)


def test_plotlyjs_is_read_once_per_process():
    assert export.plotlyjs() is export.plotlyjs()


# --- the button ----------------------------------------------------------------------------------


def open_page(page):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def export_buttons(at):
    return [b for b in at.get("download_button") if b.proto.label == LABEL]


def test_the_convolution_page_offers_the_file_and_builds_it_only_when_clicked(monkeypatch):
    built = []
    real = export.standalone_html

    def counting(figure, title):
        built.append(real(figure, title))
        return built[-1]

    monkeypatch.setattr(export, "standalone_html", counting)
    deferred = {}  # file id -> the callable Streamlit runs when the button is clicked
    register = MediaFileManager.add_deferred

    def recording(self, data_callable, mimetype, *args, file_name=None, **kwargs):
        file_id = register(self, data_callable, mimetype, *args, file_name=file_name, **kwargs)
        deferred[file_id] = (data_callable, mimetype, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    at = open_page("pages/convolution.py")
    buttons = export_buttons(at)
    assert len(buttons) == 1
    proto = buttons[0].proto
    assert proto.ignore_rerun  # on_click="ignore": no rerun
    assert proto.deferred_file_id and not proto.url  # data is a callable, run on click
    assert built == []  # a rerun does not build the file

    build, mime, file_name = deferred[proto.deferred_file_id]
    assert (mime, file_name) == ("text/html", "convolution-scan-animation.html")
    html = build()  # what a click runs
    assert built == [html] and len(embedded(html)["frames"]) == 9


@pytest.mark.parametrize("page, expected", [("pages/depthwise.py", 2), ("pages/network_costs.py", 0),
                                            ("pages/welcome.py", 0)])
def test_the_button_sits_under_animations_only(page, expected):
    """Depthwise: the scan and the 3-D volume are both animations, each with its own button."""
    at = open_page(page)
    assert len(export_buttons(at)) == expected
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert sum(1 for spec in charts if spec.get("frames")) == expected


# --- the file in a browser, offline --------------------------------------------------------------


@pytest.fixture
def offline(chromium):  # noqa: F811
    """A tab that can reach nothing: an offline context, and every request that is not a file
    aborted and counted."""
    context = chromium.new_context(offline=True, viewport={"width": 1200, "height": 1000})
    attempted = []

    def block(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("request", lambda r: None if r.url.split(":", 1)[0] in ("file", "data", "blob", "about")
            else attempted.append(r.url))
    errors = []
    page.on("pageerror", lambda error: errors.append(error.message))
    page.attempted, page.js_errors = attempted, errors
    yield page
    context.close()


def js(page, expression: str):
    return page.evaluate(f"() => {{ const gd = {GD}; return {expression}; }}")


def play_offline(page, tmp_path, figure, name: str, multiplications: int) -> None:
    """Write the figure's file, open it from disk with no network, press Play, and follow it to the end."""
    path = tmp_path / f"{name}.html"
    path.write_text(export.standalone_html(figure, f"{name.capitalize()} animation"), encoding="utf-8")
    frames = figure.to_dict()["frames"]
    steps = len(frames)

    page.goto(path.as_uri())
    page.wait_for_function(f"() => ({GD}?._transitionData?._frames || []).length === {steps}")
    assert js(page, "gd._fullLayout.sliders[0].active") == 0
    first = js(page, "gd._fullLayout.annotations[0].text")
    assert first == frames[0]["layout"]["annotations[0].text"]
    assert page.locator(".js-plotly-plot g.hm image").count() > 0  # the grids are drawn
    buttons = page.eval_on_selector_all(".modebar-btn", "els => els.map(e => e.getAttribute('data-title'))")
    assert "Download plot as a PNG" in buttons and not any("Share" in b for b in buttons), buttons

    page.locator(".js-plotly-plot .updatemenu-button", has_text="Play").click()
    page.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active >= 2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"export-{name}-playing.png"))
    assert js(page, "gd._fullLayout.annotations[0].text") != first  # the caption moved on
    page.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active === {steps - 1}", timeout=60_000)
    last = js(page, "gd._fullLayout.annotations[0].text")
    assert last == frames[-1]["layout"]["annotations[0].text"]
    on_screen = page.locator(".js-plotly-plot .slider-container").first.text_content()
    assert f"{steps}/{steps}" in on_screen and f"{multiplications:,} multiplications" in on_screen, on_screen

    # a click on the slider's rail goes back to an earlier step, and the caption follows
    rail = page.locator(".js-plotly-plot .slider-rail-rect").first.bounding_box()
    target = steps // 2
    page.mouse.click(rail["x"] + rail["width"] * target / (steps - 1), rail["y"] + rail["height"] / 2)
    page.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active === {target}")
    caption = json.dumps(frames[target]["layout"]["annotations[0].text"])
    page.wait_for_function(f"() => {GD}._fullLayout.annotations[0].text === {caption}")

    assert page.attempted == [], page.attempted  # the network was never asked for anything
    assert page.js_errors == [], page.js_errors


def test_the_lecture_scan_plays_from_disk_offline(offline, tmp_path):
    figure = lecture_scan(frame_ms=250)
    cost = engine.standard_cost((1, 5, 5), (3, 3), 1)
    assert cost.multiplications == 81
    play_offline(offline, tmp_path, figure, "convolution", cost.multiplications)


def test_the_depthwise_scan_plays_from_disk_offline(offline, tmp_path):
    figure = lecture_depthwise(frame_ms=150)
    cost = engine.depthwise_cost((16, 6, 6), 3)
    play_offline(offline, tmp_path, figure, "depthwise", cost.multiplications)
