"""Presenter mode made for a projector, in Chromium: the sidebar folds away (a "Controls" button brings
it back), and as each page opens at 1280×720 its main animation, with its Play row and its running count,
is on screen without scrolling. The lecture's path, everything before "Going further" and the code,
fits in three presenter screens at 1920×1080.

Screenshots of every page at 1280×720 (presenter), 1280×800 and 1920×1080 go to
test-artifacts/presenter-<page>-<size>.png; look at them. Reuses test_browser.py's fixtures.
"""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, IDLE, app_url, chromium  # noqa: F401  (the fixtures are found by name)

ANIMATED = ["convolution", "spatially_separable", "depthwise", "pointwise", "depthwise_separable", "flattening"]
PAGES = [*ANIMATED, "network_costs", "measured_time"]
SIZES = {"presenter-1280x720": (1280, 720, True), "1280x800": (1280, 800, False),
         "1920x1080": (1920, 1080, False), "presenter-1920x1080": (1920, 1080, True)}
DRAWN_MS = 1200  # after the charts exist: plotly.js finishes, the page script brings the animation into view

# The page's first animation (its main one): its box, its Play button's and its caption's (the running
# count), as the viewport shows them now.
MAIN_ANIMATION = """() => {
  const box = e => { const b = e.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; };
  const chart = [...document.querySelectorAll('[data-testid=stPlotlyChart]')].find(c => c.querySelector('.slider-container'));
  if (!chart) return null;
  const play = [...chart.querySelectorAll('.updatemenu-button')].find(b => b.textContent.includes('Play'));
  const caption = chart.querySelector('.infolayer .annotation');
  return {chart: box(chart), play: play && box(play), caption: caption && box(caption), height: innerHeight, width: innerWidth};
}"""
# Where the lecture's path ends: the "Going further" expander, else "Show the code", from the page's top.
PATH_END = """() => {
  const scroller = document.querySelector('[data-testid=stMain]');
  const summaries = [...document.querySelectorAll('[data-testid=stExpander] summary')];
  const end = summaries.find(s => s.textContent.includes('Going further')) ||
              summaries.find(s => s.textContent.includes('Show the code'));
  return end.getBoundingClientRect().top + scroller.scrollTop;
}"""
SIDEBAR_FOLDED = "() => document.querySelector('[data-testid=stSidebar]').getAttribute('data-collapsed') === 'true'"


def opened(chromium, app_url, page: str, size: str):  # noqa: F811
    width, height, presenter = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(error.message))
    tab.goto(f"{app_url}/{page}" + ("?present=true" if presenter else ""))
    tab.wait_for_selector(IDLE, state="attached")
    tab.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", state="attached")
    if page in ANIMATED:
        tab.wait_for_selector("[data-testid=stPlotlyChart] .slider-container", state="attached")
    tab.wait_for_timeout(DRAWN_MS)
    assert tab.locator("[data-testid=stException]").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"presenter-{page}-{size}.png"))
    return context, tab


def inside(box: dict, view: dict, slack: float = 1.0) -> bool:
    """The box within the viewport (to a pixel: scrolling stops at fractions of one)."""
    return box is not None and box["top"] >= -slack and box["bottom"] <= view["height"] + slack \
        and box["left"] >= -slack and box["right"] <= view["width"] + slack


def in_view_soon(tab, seconds: float = 15.0) -> dict | None:
    """The main animation's boxes once all three are on the screen, or as they stand after `seconds`: the
    page script brings the animation into view once every chart is drawn, which a busy machine delays."""
    view = None
    for _ in range(int(seconds / 0.25)):
        view = tab.evaluate(MAIN_ANIMATION)
        if view is not None and all(inside(view[part], view) for part in ("chart", "play", "caption")):
            return view
        tab.wait_for_timeout(250)
    return view


@pytest.mark.parametrize("page", ANIMATED)
def test_the_main_animation_is_on_the_projectors_screen_as_the_page_opens(chromium, app_url, page):  # noqa: F811
    context, tab = opened(chromium, app_url, page, "presenter-1280x720")
    try:
        view = in_view_soon(tab)
        assert view is not None
        for part in ("chart", "play", "caption"):  # the figure, its Play row, its running count
            assert inside(view[part], view), (part, view)
        assert tab.evaluate(SIDEBAR_FOLDED)
        assert tab.locator("#classroom-controls").is_visible()
        controls = tab.locator("#classroom-controls").bounding_box()
        for part in ("play", "caption"):  # the button covers neither
            box = view[part]
            assert (controls["x"] >= box["right"] or controls["x"] + controls["width"] <= box["left"]
                    or controls["y"] >= box["bottom"] or controls["y"] + controls["height"] <= box["top"]), part
        assert not [e for e in tab.errors if e.strip() != "undefined"], tab.errors
    finally:
        context.close()


@pytest.mark.parametrize("page", PAGES)
def test_the_lectures_path_fits_three_presenter_screens(chromium, app_url, page):  # noqa: F811
    context, tab = opened(chromium, app_url, page, "presenter-1920x1080")
    try:
        assert tab.evaluate(PATH_END) <= 3 * 1080
    finally:
        context.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_drawn_for_a_student(chromium, app_url, page):  # noqa: F811
    """The student's sizes, a laptop and then the same tab widened to 1920×1080: the sidebar open, no
    Controls button; a screenshot of each to look at."""
    context, tab = opened(chromium, app_url, page, "1280x800")
    try:
        for size in ("1280x800", "1920x1080"):
            if size != "1280x800":
                width, height, _ = SIZES[size]
                tab.set_viewport_size({"width": width, "height": height})
                tab.wait_for_timeout(DRAWN_MS)  # the charts redrawn at the new width
                tab.screenshot(path=str(ARTIFACTS / f"presenter-{page}-{size}.png"))
            assert not tab.evaluate(SIDEBAR_FOLDED), size
            assert not tab.locator("#classroom-controls").is_visible(), size
            assert tab.locator("[data-testid=stException]").count() == 0, size
    finally:
        context.close()


def test_presenter_mode_folds_the_sidebar_and_controls_bring_it_back(chromium, app_url):  # noqa: F811
    context, tab = opened(chromium, app_url, "convolution", "1280x800")
    try:
        switch = tab.locator("[data-testid=stSidebar] label", has_text="Presenter mode")
        switch.click()
        tab.wait_for_function(SIDEBAR_FOLDED)
        tab.locator("#classroom-controls").click()  # the lecturer needs the sidebar back
        tab.wait_for_function(f"() => !({SIDEBAR_FOLDED})()")
        assert not tab.locator("#classroom-controls").is_visible()
        switch.click()  # presenter mode off: the sidebar stays, and the button stays away
        tab.wait_for_selector(IDLE, state="attached")
        tab.wait_for_timeout(1000)
        assert not tab.evaluate(SIDEBAR_FOLDED) and not tab.locator("#classroom-controls").is_visible()
    finally:
        context.close()
