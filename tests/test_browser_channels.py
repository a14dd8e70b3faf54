"""The channel pages (Depthwise, Pointwise, Depthwise separable) read from the back of a room: their
readability budgets, measured in Chromium at the sizes a lecture meets.

- At 1920×1080 the main figure's drawn grids span at least 80% of the content width.
- Numbers printed on the cells of every animation are at least 14 px at 1920×1080 and 1280×800, and at
  least 18 px in presenter mode (1280×720 and 1920×1080).
- In presenter mode at 1280×720, every animation with its Play row and its running count (the caption
  inside the chart) fits one screen: the chart is no taller than the viewport.
- At 1280×800 (a laptop) the same holds for the Depthwise page's custom example with 3 channels, which
  used to stack its channels in one column taller than the screen.

Screenshots of each page at each size go to test-artifacts/channels-<page>-<size>.png; look at them.
Reuses test_browser.py's fixtures (its own server and Chromium for this module).
"""

from __future__ import annotations

import pytest
from readability import measure
from test_browser import ARTIFACTS, IDLE, app_url, chromium  # noqa: F401  (the fixtures are found by name)

SIZES = {  # name -> (width, height, presenter mode)
    "1920x1080": (1920, 1080, False),
    "presenter-1280x720": (1280, 720, True),
    "presenter-1920x1080": (1920, 1080, True),
    "1280x800": (1280, 800, False),
}
CUSTOM_3 = "/depthwise?preset=custom+%28use+the+sliders%29&c=3"
PAGES = {  # name -> (path, the key of its main figure)
    "depthwise": ("/depthwise", "scan"),
    "depthwise-custom-3": (CUSTOM_3, "scan"),
    "pointwise": ("/pointwise", "scan"),
    "depthwise-separable": ("/depthwise_separable", "pipeline"),
}
MAIN_WIDTH_SHARE = 0.8  # of the content width, at 1920×1080
CELL_PX, PRESENTER_CELL_PX = 14, 18  # the smallest number on a cell
DRAWN_SECONDS = 1.5  # after the charts exist, for plotly.js to finish drawing (3-D scenes in software)


def opened(chromium, app_url, path: str, size: str) -> list[dict]:  # noqa: F811
    """The page at `size`, a screenshot saved, and every chart measured."""
    width, height, presenter = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(error.message))
        page.goto(app_url + path + (("&" if "?" in path else "?") + "present=true" if presenter else ""))
        page.wait_for_selector(IDLE, state="attached")
        page.wait_for_selector("[data-testid=stPlotlyChart] .slider-container", state="attached")
        page.wait_for_timeout(DRAWN_SECONDS * 1000)
        assert page.locator("[data-testid=stException]").count() == 0
        name = next(name for name, (p, _) in PAGES.items() if p == path)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"channels-{name}-{size}.png"))
        charts = measure(page)
        assert not [e for e in errors if e.strip() != "undefined"], errors
        return charts
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_the_channel_pages_meet_their_readability_budgets(chromium, app_url, name, size):  # noqa: F811
    path, main_key = PAGES[name]
    charts = [chart for chart in opened(chromium, app_url, path, size) if chart["shown"]]
    width, height, presenter = SIZES[size]
    by_key = {chart["key"]: chart for chart in charts}
    # the main figure, or its layout for screens under 1,600 px where the page sends two (lessons.blocks.ByWidth)
    main = by_key.get(main_key) or by_key.get(f"{main_key}__narrow")
    assert main is not None, [chart["key"] for chart in charts]
    assert main["frames"] > 1, main  # the main figure is an animation
    if size == "1920x1080":
        assert main["drawnWidth"] >= MAIN_WIDTH_SHARE * main["contentWidth"], main
    smallest = PRESENTER_CELL_PX if presenter else CELL_PX
    for chart in (c for c in charts if c["frames"] > 1 and not c["scene"]):
        assert chart["cellNumbers"] > 0, chart  # the cells carry their numbers
        assert chart["smallestNumber"] >= smallest, chart
    if size == "presenter-1280x720" or (size == "1280x800" and name in ("depthwise-custom-3", "depthwise-separable")):
        for chart in (c for c in charts if c["frames"] > 1):
            assert chart["height"] <= height, chart  # Play row, slider and caption on one screen
            assert chart["sliderBottom"] is None or chart["sliderBottom"] <= chart["bottom"], chart
