"""Depthwise, Pointwise, Depthwise separable, Flattening and Network costs in a real browser.

Reuses test_browser.py's fixtures and helpers. The module-scoped fixtures are imported by name, so
pytest registers them for this module too: this module gets its own fresh `streamlit run app.py`
server and its own Chromium. Its browser context is its own (a 1400×1800 viewport, so each page's
screenshot shows the charts under the title).

What AppTest cannot see is checked here: the sidebar and a deep link to every page, the depthwise
scan playing with its heatmaps drawn, the 3-D volumes drawn by WebGL (SwiftShader, in software,
under --disable-gpu), the pointwise scan's last step, the lecture's tables on the Depthwise separable
page from a URL, the flatten animation moving cells, and the Network costs page's bar chart and CSV
download. Screenshots go to test-artifacts/pages-<name>.png.
"""

from __future__ import annotations

import ast
import csv
import importlib
import io
import re
import urllib.parse

import pytest
from test_browser import (  # noqa: F401, F811  (the fixtures are found by name)
    ARTIFACTS,
    IDLE,
    PLOT,
    ROOT,
    app_url,
    chromium,
    js_errors,
    new_tab,
    no_exception,
    page_titles,
    settle,
    tab,
)

import engine

ALL_PLOTS = f"[...document.querySelectorAll('{PLOT}')]"
# Every plot on the page: its frame count, whether it is a 3-D scene, its bar count.
PLOTS_SUMMARY = f"""() => {ALL_PLOTS}.map(gd => ({{
    frames: gd._transitionData?._frames?.length || 0,
    scene: !!gd._fullLayout?.scene,
    bars: (gd._fullData || []).filter(d => d.type === 'bar').reduce((n, d) => n + (d.x?.length || 0), 0),
}}))"""
PLAY, PAUSE = "▶ Play", "❚❚ Pause"
# Pages with a test of their own below, which saves their screenshot.
TESTED_BELOW = ("/depthwise", "/pointwise", "/depthwise_separable", "/flattening", "/network_costs")
ANIMATE_TO = "{frame: {redraw: false}, mode: 'immediate', transition: {duration: 0}}"


@pytest.fixture(scope="module")
def browser_context(chromium, app_url):
    """This module's context: 1400×1800, tall enough for a page's first charts in one screenshot."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1800})
    context.base_url = app_url
    yield context
    context.close()


@pytest.fixture(scope="module")
def depthwise_tab(browser_context):
    """The depthwise page at its defaults, opened once: its three tests only read it or play it."""
    page = new_tab(browser_context)
    yield page
    page.close()


# --- helpers -------------------------------------------------------------------------------------


def app_pages() -> list[tuple[str, str, str]]:
    """(sidebar title, URL path, page file) for each st.Page(...) in app.py, in order."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    calls = sorted((node for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"),
                   key=lambda node: (node.lineno, node.col_offset))
    pages = []
    for call in calls:
        keywords = {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}
        path = "/" + keywords["url_path"] if "url_path" in keywords else "/"
        pages.append((keywords["title"], path, call.args[0].value))
    return pages


def page_heading(page_file: str) -> str:
    """The page's h1: the first argument of its ui.header(...) or st.title(...) call, written there or a
    name the page imports (its lesson's TITLE), read from the module that defines it."""
    tree = ast.parse((ROOT / page_file).read_text(encoding="utf-8"))
    imported = {alias.asname or alias.name: (node.module, alias.name) for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
                and (getattr(node.func.value, "id", None), node.func.attr) in (("ui", "header"), ("st", "title"))):
            continue
        title = node.args[0]
        if isinstance(title, ast.Constant):
            return title.value
        if isinstance(title, ast.Name) and title.id in imported:
            module, name = imported[title.id]
            return getattr(importlib.import_module(module), name)
    raise AssertionError(f"no ui.header / st.title with a title written or imported in {page_file}")


def preset_names(page_file: str) -> list[str]:
    """The Example select box's options, in order: the PRESETS of the page's lesson (lessons/<page's name>)."""
    from importlib import import_module
    lesson = import_module("lessons." + page_file.removeprefix("pages/").removesuffix(".py"))
    return list(lesson.PRESETS)


def open_page(page, path: str, chart: bool = True) -> None:
    page.goto(page.base_url + path)
    settle(page, chart)


def plots(page) -> list[dict]:
    return page.evaluate(PLOTS_SUMMARY)


def on_plot(page, index: int, expression: str):
    """Evaluate a JS expression with `gd` bound to the index-th plot's graph div."""
    return page.evaluate(f"i => {{ const gd = {ALL_PLOTS}[i]; return {expression}; }}", index)


def first_index(page, predicate) -> int:
    summary = plots(page)
    found = [i for i, plot in enumerate(summary) if predicate(plot)]
    assert found, summary
    return found[0]


def heatmap_images(page, index: int) -> list[dict]:
    """The index-th plot's heatmap <image>s, each with whether it is drawn."""
    return on_plot(page, index, """[...gd.querySelectorAll('.heatmaplayer image')].map(image => {
        const box = image.getBoundingClientRect(), css = getComputedStyle(image);
        return {href: (image.getAttribute('href') || image.getAttribute('xlink:href') || '').length,
                width: box.width, height: box.height,
                shown: css.visibility !== 'hidden' && css.display !== 'none' && css.opacity !== '0'};
    })""")


def assert_drawn(images: list[dict], expected: int) -> None:
    assert len(images) == expected > 0, images
    for image in images:
        assert image["href"] > 0 and image["width"] > 0 and image["height"] > 0 and image["shown"], image


def main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def metric(page, label: str) -> str:
    return page.locator("[data-testid=stMetric]", has_text=label).first.locator(
        "[data-testid=stMetricValue]").inner_text().strip()


def charts_drawn(page) -> None:
    """Wait until the page is drawn: no skeleton left (Streamlit loads some elements' code, Plotly's
    among them, after the script has finished) and every st.plotly_chart holding a drawn figure."""
    page.wait_for_function("""() => !document.querySelector('[data-testid=stSkeleton]')
        && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
            .every(chart => chart.querySelector('.js-plotly-plot')?._fullLayout)""")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"pages-{name}.png"))


# --- tests (the first one is the fresh server's first page: a deep link) ---------------------------


def test_sidebar_lists_every_page_and_each_deep_link_opens_it(tab):
    pages = app_pages()
    assert [title for title, _, _ in pages] == page_titles()
    for n, (title, path, page_file) in enumerate(pages):
        tab.goto(tab.base_url + path)
        heading = page_heading(page_file)
        tab.wait_for_function("text => document.querySelector('h1')?.innerText.trim() === text", arg=heading)
        if n == 0:  # the sidebar, once: exactly app.py's pages, in its order
            nav = tab.locator("[data-testid=stSidebarNav] a").evaluate_all(
                "links => links.map(a => (a.querySelector('[data-testid=stMarkdownContainer]') || a)"
                ".innerText.trim())")
            assert nav == [t for t, _, _ in pages], nav
        active = tab.locator("[data-testid=stSidebarNav] a[aria-current=page]")
        assert active.count() == 1, (path, active.count())
        assert active.locator("[data-testid=stMarkdownContainer]").inner_text().strip() == title, path
        assert tab.url.rstrip("/") == (tab.base_url + path).rstrip("/"), (path, tab.url)
        # let the script finish before the next page: sessions left running slow the server down
        tab.wait_for_selector(IDLE, state="attached")
        no_exception(tab)
        if path not in TESTED_BELOW:
            charts_drawn(tab)
            screenshot(tab, path.strip("/") or "welcome")
    assert not js_errors(tab), js_errors(tab)


def test_depthwise_defaults_show_the_lectures_example(depthwise_tab):
    tab = depthwise_tab
    open_page(tab, "/depthwise")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => gd._transitionData?._frames?.length)")
    no_exception(tab)
    assert metric(tab, "All kernels") == "2,304"  # 3·3·1 · 4·4 · 16
    assert metric(tab, "Output") == "4×4×16"
    scan = first_index(tab, lambda p: p["frames"] > 0)
    assert plots(tab)[scan]["frames"] == 16  # 4×4 positions, all 16 kernels at once
    assert on_plot(tab, scan, "gd._fullLayout.sliders[0].steps.length") == 16
    charts_drawn(tab)
    screenshot(tab, "depthwise")


def test_depthwise_play_keeps_the_heatmaps_drawn_and_pause_stops(depthwise_tab):
    tab = depthwise_tab
    if not tab.url.endswith("/depthwise"):  # run on its own
        open_page(tab, "/depthwise")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => gd._transitionData?._frames?.length)")
    scan = first_index(tab, lambda p: p["frames"] > 0)
    chart = tab.locator(PLOT).nth(scan)
    heatmaps = on_plot(tab, scan, "gd._fullData.filter(d => d.type === 'heatmap').length")
    drawn = on_plot(tab, scan, "gd._fullData.filter(d => d.name.startsWith('input channel ')).length")
    assert 2 <= drawn <= 4 and heatmaps == 3 * drawn  # a few channels large: each input, its kernel, its map
    caption = on_plot(tab, scan, "gd._fullLayout.annotations[0].text")
    assert f"… and {16 - drawn} more channels" in caption, caption
    assert_drawn(heatmap_images(tab, scan), heatmaps)
    start = on_plot(tab, scan, "gd._fullLayout.sliders[0].active")

    chart.locator(".updatemenu-button", has_text=PLAY).click()
    actives = []
    for _ in range(4):
        tab.wait_for_timeout(450)
        assert_drawn(heatmap_images(tab, scan), heatmaps)  # drawn while it plays
        actives.append(on_plot(tab, scan, "gd._fullLayout.sliders[0].active"))
    assert actives == sorted(actives) and actives[-1] > start, (start, actives)
    assert actives[-1] < 15, ("played to the end too fast to sample", actives)

    chart.locator(".updatemenu-button", has_text=PAUSE).click()
    tab.wait_for_timeout(100)
    paused = on_plot(tab, scan, "gd._fullLayout.sliders[0].active")
    tab.wait_for_timeout(1000)  # longer than a frame (800 ms at the normal speed)
    assert on_plot(tab, scan, "gd._fullLayout.sliders[0].active") == paused
    assert_drawn(heatmap_images(tab, scan), heatmaps)
    assert not js_errors(tab), js_errors(tab)


def depthwise_scene(tab):
    """The Depthwise page's 3-D animation, drawn: its index among the page's plots and its chart."""
    if not tab.url.endswith("/depthwise"):  # run on its own
        open_page(tab, "/depthwise")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => gd._fullLayout?.scene && gd._transitionData?._frames?.length)")
    index = first_index(tab, lambda p: p["scene"])
    return index, tab.locator(PLOT).nth(index)


def test_depthwise_3d_volumes_render_with_webgl(depthwise_tab):
    from PIL import Image

    tab = depthwise_tab
    index, chart = depthwise_scene(tab)
    # plotly.js writes a message instead of the scene when the browser has no WebGL
    text = on_plot(tab, index, "gd.innerText")
    assert "webgl" not in text.lower(), f"the 3-D view shows an error instead of the volumes: {text!r}"
    assert on_plot(tab, index, "!!gd._fullLayout.scene._scene?.glplot"), "no WebGL plot in the scene"
    canvas = chart.locator(".gl-container canvas")
    assert canvas.count() >= 1
    box = canvas.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300, box
    # the input's sheets, the output's sheets and the grey block over the output not computed yet
    assert on_plot(tab, index, "gd._fullData.filter(d => d.type === 'mesh3d').length") == 3
    # and something is drawn on it: the sheets' red and blue cells, not a blank canvas
    shot = Image.open(io.BytesIO(canvas.first.screenshot())).convert("RGB")
    saturation = shot.convert("HSV").getchannel("S").histogram()  # the sheets' red and blue cells
    coloured, pixels = sum(saturation[60:]), shot.width * shot.height
    assert coloured > 0.05 * pixels, f"the 3-D canvas is (nearly) blank: {coloured} of {pixels} pixels coloured"
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


def test_depthwise_3d_animation_plays_and_fills_the_output_volume(depthwise_tab):
    """The 3-D view's own Play moves its windows and shrinks the grey block in the browser (no rerun);
    at the last step the block is gone (every output cell computed) and the canvas shows no grey."""
    from PIL import Image, ImageChops

    def grey_pixels(canvas) -> int:  # near viz.volume3d.EMPTY, lit: the block over output not computed yet
        _, saturation, value = Image.open(io.BytesIO(canvas.screenshot())).convert("HSV").split()
        grey = ImageChops.multiply(saturation.point(lambda v: 255 if v <= 8 else 0),
                                   value.point(lambda v: 255 if 170 <= v <= 235 else 0))
        return grey.histogram()[255]

    tab = depthwise_tab
    index, chart = depthwise_scene(tab)
    chart.scroll_into_view_if_needed()
    assert plots(tab)[index]["frames"] == 16  # 4×4 positions
    block = "gd._fullData.find(d => d.name === 'not computed yet')"
    window = "gd._fullData.find(d => d.name.startsWith('window'))"
    start_block = on_plot(tab, index, f"[Array.from({block}.y), Array.from({block}.z)]")
    start_window = on_plot(tab, index, f"Array.from({window}.y)")
    canvas = chart.locator(".gl-container canvas").first
    grey_before = grey_pixels(canvas)
    assert grey_before > 500, grey_before  # 15 of the 16 positions not computed yet

    chart.locator(".updatemenu-button", has_text=PLAY).click()
    tab.wait_for_function(f"(i) => {ALL_PLOTS}[i]._fullLayout.sliders[0].active >= 2", arg=index, timeout=20000)
    chart.locator(".updatemenu-button", has_text=PAUSE).click()
    assert on_plot(tab, index, f"Array.from({window}.y)") != start_window  # the windows slid
    assert on_plot(tab, index, f"[Array.from({block}.y), Array.from({block}.z)]") != start_block

    redraw = "{frame: {redraw: true, duration: 0}, mode: 'immediate', transition: {duration: 0}}"
    tab.evaluate(f"(i) => Plotly.animate({ALL_PLOTS}[i], ['15'], {redraw})", index)
    tab.wait_for_function(f"(i) => {ALL_PLOTS}[i]._fullLayout.sliders[0].active === 15", arg=index)
    ys, zs = on_plot(tab, index, f"[Array.from({block}.y), Array.from({block}.z)]")
    for box in range(len(ys) // 8):  # every part of the block flat: nothing left to compute
        assert min(ys[box * 8:box * 8 + 8]) == max(ys[box * 8:box * 8 + 8]) or \
            min(zs[box * 8:box * 8 + 8]) == max(zs[box * 8:box * 8 + 8]), (ys, zs)
    tab.wait_for_timeout(300)
    grey_after = grey_pixels(canvas)
    assert grey_after < grey_before / 4, (grey_before, grey_after)  # drawn: the output volume filled in
    caption = on_plot(tab, index, "gd._fullLayout.annotations[0].text")
    assert "2,304 of 2,304 multiplications" in caption, caption
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


def test_pointwise_last_step_counts_the_engines_multiplications(tab):
    open_page(tab, "/pointwise")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => gd._transitionData?._frames?.length)")
    no_exception(tab)
    charts_drawn(tab)
    screenshot(tab, "pointwise")
    # the page's default, the lecture's table 1: the 5×5×3 depthwise maps into 128 kernels of 1×1×3
    cost = engine.pointwise_cost((3, 5, 5), 128)
    scan = first_index(tab, lambda p: p["frames"] > 0)
    names = on_plot(tab, scan, "gd._transitionData._frames.map(f => f.name)")
    steps = on_plot(tab, scan, "gd._fullLayout.sliders[0].steps.length")
    assert len(names) == steps == 5 * 5  # one step per pixel
    tab.evaluate(f"([i, last]) => Plotly.animate({ALL_PLOTS}[i], [last], {ANIMATE_TO})", [scan, names[-1]])
    tab.wait_for_function(f"([i, last]) => {ALL_PLOTS}[i]._fullLayout.sliders[0].active === last",
                          arg=[scan, steps - 1])
    label = on_plot(tab, scan, f"gd._fullLayout.sliders[0].steps[{steps - 1}].label")
    counted = re.search(r"([\d,]+) of ([\d,]+) multiplications$", label)
    assert counted, label
    assert int(counted.group(1).replace(",", "")) == int(counted.group(2).replace(",", "")) == cost.multiplications
    assert label.startswith(f"{steps}/{steps}"), label
    caption = on_plot(tab, scan, "gd._fullLayout.annotations[0].text")
    assert f"{cost.multiplications:,} of {cost.multiplications:,} multiplications" in caption, caption
    assert metric(tab, "Multiplications").replace(",", "") == str(cost.multiplications)
    assert not js_errors(tab), js_errors(tab)


def test_pointwise_plays_pixel_by_pixel(tab):
    """Play moves the step on, the caption's running count with it, and the heatmaps stay drawn."""
    open_page(tab, "/pointwise")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => gd._transitionData?._frames?.length)")
    scan = first_index(tab, lambda p: p["frames"] > 0)
    heatmaps = on_plot(tab, scan, "gd._fullData.filter(d => d.type === 'heatmap').length")
    assert heatmaps == 3 + 2 * 3 + 3  # input maps, kernels and output maps, the three matrices
    tab.locator(PLOT).nth(scan).locator(".updatemenu-button", has_text=PLAY).click()
    tab.wait_for_function(f"(i) => {ALL_PLOTS}[i]._fullLayout.sliders[0].active >= 2", arg=scan, timeout=20000)
    assert_drawn(heatmap_images(tab, scan), heatmaps)  # drawn while it plays
    step = on_plot(tab, scan, "gd._fullLayout.sliders[0].active")
    caption = on_plot(tab, scan, "gd._fullLayout.annotations[0].text")
    done = engine.pointwise_cost((3, 1, 1), 128).multiplications
    counted = re.search(r"([\d,]+) of 9,600 multiplications", caption)
    assert counted and int(counted.group(1).replace(",", "")) % done == 0, caption
    assert step >= 2
    tab.locator(PLOT).nth(scan).locator(".updatemenu-button", has_text=PAUSE).click()
    assert not js_errors(tab), js_errors(tab)


def separable_pipeline_reaches_its_last_step(tab, steps: int, counts: str) -> None:
    """The pipeline animation (the page's animated plot): `steps` frames, its heatmaps drawn, Play moving
    it on, and its last frame's caption ending at the lecture's sum, `counts`."""
    scan = first_index(tab, lambda p: p["frames"] > 0)
    names = on_plot(tab, scan, "gd._transitionData._frames.map(f => f.name)")
    assert len(names) == on_plot(tab, scan, "gd._fullLayout.sliders[0].steps.length") == steps
    assert_drawn(heatmap_images(tab, scan), on_plot(tab, scan, "gd._fullData.filter(d => d.type === 'heatmap').length"))
    tab.locator(PLOT).nth(scan).get_by_text(PLAY).click()
    tab.wait_for_function(f"i => {ALL_PLOTS}[i]._fullLayout.sliders[0].active >= 2", arg=scan)
    tab.locator(PLOT).nth(scan).get_by_text(PAUSE).click()
    tab.evaluate(f"([i, last]) => Plotly.animate({ALL_PLOTS}[i], [last], {ANIMATE_TO})", [scan, names[-1]])
    tab.wait_for_function(f"([i, last]) => {ALL_PLOTS}[i]._fullLayout.sliders[0].active === last",
                          arg=[scan, steps - 1])
    tab.wait_for_function(f"([i, text]) => {ALL_PLOTS}[i]._fullLayout.annotations[0].text.includes(text)",
                          arg=[scan, counts])
    label = on_plot(tab, scan, f"gd._fullLayout.sliders[0].steps[{steps - 1}].label")
    assert label.startswith(f"{steps}/{steps}"), label
    # every cell of every map is computed by the last step: nothing hides them any more
    assert on_plot(tab, scan, "gd._fullLayout.shapes[0].path") == "M0 0Z"


def test_depthwise_separable_presets_show_the_lectures_tables(tab):
    open_page(tab, "/depthwise_separable")
    no_exception(tab)
    text = main_text(tab)
    for number in ("86,400", "675", "9,600", "10,275"):  # 7×7×3, 128 kernels of 3×3
        assert number in text, number
    charts_drawn(tab)
    screenshot(tab, "depthwise_separable")
    separable_pipeline_reaches_its_last_step(tab, 5 * 5, "675 + 9,600 = 10,275 against 86,400")

    second = preset_names("pages/depthwise_separable.py")[1]
    open_page(tab, "/depthwise_separable?preset=" + urllib.parse.quote(second))
    tab.get_by_text("1,228,800").first.wait_for()
    no_exception(tab)
    charts_drawn(tab)
    text = main_text(tab)
    for number in ("1,228,800", "4,800", "49,152", "53,952"):  # 12×12×3, 256 kernels of 5×5
        assert number in text, number
    assert "86,400" not in text
    example = tab.locator("[data-testid=stSidebar] [data-testid=stSelectbox] input[aria-label=Example]")
    assert example.input_value() == second  # the select box shows the URL's preset
    # the table's sizes are shown greyed out in the sidebar, not taken from the sliders
    height = tab.locator("[data-testid=stSidebar] [data-testid=stSlider]", has_text="Input height H")
    thumb = height.locator("input[type=range]")
    assert thumb.is_disabled() and thumb.input_value() == "12"
    separable_pipeline_reaches_its_last_step(tab, 8 * 8, "4,800 + 49,152 = 53,952 against 1,228,800")
    assert not js_errors(tab), js_errors(tab)


def test_flattening_play_moves_the_cells_and_pause_stops(tab):
    open_page(tab, "/flattening")
    no_exception(tab)
    charts_drawn(tab)
    screenshot(tab, "flattening")
    chart = tab.locator(PLOT).first
    gd = f"document.querySelector('{PLOT}')"
    steps = tab.evaluate(f"() => {gd}._fullLayout.sliders[0].steps.length")
    assert steps == 2 * 2 * 3 + 1  # 0 to 12 cells moved, at the defaults C = 2, H = 2, W = 3
    assert tab.evaluate(f"() => {gd}._fullLayout.sliders[0].active") == 0
    assert tab.evaluate(f"() => {gd}._fullData[1].name") == "channel 1"
    start_x = tab.evaluate(f"() => [...{gd}._fullData[1].x]")
    start_y = tab.evaluate(f"() => [...{gd}._fullData[1].y]")

    chart.locator(".updatemenu-button", has_text=PLAY).click()
    actives, moved = [], []
    for _ in range(3):
        tab.wait_for_timeout(500)
        actives.append(tab.evaluate(f"() => {gd}._fullLayout.sliders[0].active"))
        moved.append((tab.evaluate(f"() => [...{gd}._fullData[1].x]"), tab.evaluate(f"() => [...{gd}._fullData[1].y]")))
    assert actives == sorted(actives) and actives[-1] > 0, actives
    assert actives[-1] < steps - 1, ("played to the end too fast to sample", actives)
    assert any(xy != (start_x, start_y) for xy in moved), (start_x, start_y, moved)  # channel 1's cells moved

    chart.locator(".updatemenu-button", has_text=PAUSE).click()
    tab.wait_for_timeout(150)
    paused = tab.evaluate(f"() => {gd}._fullLayout.sliders[0].active")
    tab.wait_for_timeout(900)  # over two frames at the normal speed (350 ms)
    assert tab.evaluate(f"() => {gd}._fullLayout.sliders[0].active") == paused
    assert not js_errors(tab), js_errors(tab)


def test_network_costs_bar_chart_and_csv_download(tab):
    open_page(tab, "/network_costs")
    tab.wait_for_function(f"() => {ALL_PLOTS}.some(gd => (gd._fullData || []).some(d => d.type === 'bar'))")
    no_exception(tab)
    layers = engine.mobilenet_v1()
    total = engine.network_totals(layers)
    assert re.search(r"\b569 M mult-adds", main_text(tab))
    assert metric(tab, "Mult-adds") == "569 M"

    summary = plots(tab)
    per_layer = max(range(len(summary)), key=lambda i: summary[i]["bars"])
    assert summary[per_layer]["bars"] == 28 == sum(layer.kind != "average pool" for layer in layers), summary
    drawn = tab.locator(PLOT).nth(per_layer).locator(".barlayer .point")
    assert drawn.count() >= 28
    charts_drawn(tab)
    screenshot(tab, "network_costs")  # the bar chart is below the table: it gets a screenshot of its own
    tab.locator(PLOT).nth(per_layer).screenshot(path=str(ARTIFACTS / "pages-network_costs-chart.png"))

    button = tab.locator("[data-testid=stDownloadButton] button")
    assert button.count() == 1
    with tab.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "mobilenet_v1_alpha1_224.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) == len(layers) == 29, len(rows)  # 28 layers with weights and the average pool
    counted = [row for row in rows if row["in the totals"] == "True"]
    assert len(counted) == 28 and all(row["type"] != "average pool" for row in counted)
    assert sum(int(row["mult-adds"]) for row in counted) == total.multiplications
    assert sum(int(row["parameters"]) for row in rows) == total.params
    assert not js_errors(tab), js_errors(tab)
