"""The Measured time page in a real browser, on a fresh server: the counts and then the measurement
complete (its three charts drawn with their bars and markers), "measure again" paced with its message, a
bad link clamped with a notice, and the page at 1920×1080, 1280×800 and a presenter's 1280×720.
Screenshots: test-artifacts/measured_time-*.png. No assertion depends on how long a measurement took."""

from __future__ import annotations

import pytest
from test_browser import (  # noqa: F401, F811  (the fixtures are found by name)
    ARTIFACTS,
    IDLE,
    PLOT,
    app_url,
    chromium,
    js_errors,
    new_tab,
    no_exception,
)

PATH = "/measured_time"
CHARTS = 3  # the times, the roofline, MobileNet layer by layer
DRAWN = f"""() => [...document.querySelectorAll('{PLOT}')].map(gd => ({{
    points: (gd._fullData || []).reduce((n, d) => n + (d.x?.length || 0), 0),
    width: gd.getBoundingClientRect().width,
}}))"""


def open_measured(chromium, app_url, width, height, query=""):  # noqa: F811
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.base_url = app_url
    page = new_tab(context)
    page.set_default_timeout(60_000)
    page.goto(app_url + PATH + query)
    page.wait_for_selector(IDLE, state="attached")
    return context, page


def wait_measured(page) -> list[dict]:
    """Until the measurement has completed: all three charts on the page, each drawn with data."""
    for _ in range(2):  # the first request may leave measurements to the next, which the page starts itself
        page.wait_for_function(f"() => document.querySelectorAll('{PLOT}').length === {CHARTS}")
        page.wait_for_selector(IDLE, state="attached")
        page.wait_for_timeout(800)
    charts = page.evaluate(DRAWN)
    assert len(charts) == CHARTS and all(c["points"] > 0 for c in charts), charts
    return charts


def metric_labels(page) -> list[str]:
    return page.locator("[data-testid=stMetricLabel]").all_inner_texts()


def test_the_page_draws_and_its_measurement_completes(chromium, app_url):  # noqa: F811
    context, page = open_measured(chromium, app_url, 1920, 1080)
    try:
        labels = metric_labels(page)
        assert "Multiplications: standard" in labels and "Counted ratio" in labels
        charts = wait_measured(page)
        # a wide screen has the times and the roofline side by side, MobileNet under them: each row spans the page
        times, roofline, network = charts
        assert roofline["width"] > times["width"] and times["width"] + roofline["width"] >= 0.9 * network["width"]
        assert network["width"] >= 1400, charts
        labels = metric_labels(page)
        assert "NumPy: measured ratio" in labels and "Peak (matrix product)" in labels
        text = page.locator("[data-testid=stMain]").inner_text()
        assert "86,400" in text and "10,275" in text and "UTC" in text and "A GPU, a phone" in text
        no_exception(page)
        page.screenshot(path=str(ARTIFACTS / "measured_time-1920.png"))
        for n, plot in enumerate(page.locator(PLOT).all()):
            plot.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"measured_time-1920-chart{n + 1}.png"))
        assert not js_errors(page), js_errors(page)
    finally:
        context.close()


def test_measure_again_is_paced(chromium, app_url):  # noqa: F811
    context, page = open_measured(chromium, app_url, 1400, 1000)
    try:
        wait_measured(page)
        for _ in range(2):
            page.get_by_role("button", name="Measure again").click()
            page.wait_for_timeout(300)
            page.wait_for_selector(IDLE, state="attached")
        warning = page.locator("[data-testid=stAlert]", has_text="Measuring again is possible in")
        warning.wait_for()
        no_exception(page)
        wait_measured(page)
    finally:
        context.close()


def test_a_bad_link_is_clamped_with_a_notice(chromium, app_url):  # noqa: F811
    context, page = open_measured(chromium, app_url, 1400, 1000, "?layer=custom+%28use+the+sliders%29&h=99999&k=x")
    try:
        page.locator("[data-testid=stAlert]", has_text="link").first.wait_for()
        page.wait_for_selector(IDLE, state="attached")
        page.locator("[data-testid=stMetricLabel]", has_text="Multiplications: standard").wait_for()
        no_exception(page)
        assert "Multiplications: standard" in metric_labels(page)
    finally:
        context.close()


@pytest.mark.parametrize("width, height, query", [(1280, 720, "?present=true"), (1280, 800, "")])
def test_the_page_on_smaller_screens(chromium, app_url, width, height, query):  # noqa: F811
    context, page = open_measured(chromium, app_url, width, height, query)
    try:
        charts = wait_measured(page)
        main = page.evaluate("() => { const box = document.querySelector('[data-testid=stMainBlockContainer]'); "
                             "const style = getComputedStyle(box); return box.clientWidth - "
                             "parseFloat(style.paddingLeft) - parseFloat(style.paddingRight); }")
        assert all(c["width"] >= 0.9 * main - 40 for c in charts), (charts, main)
        # no chart taller than the screen: each one is seen whole
        heights = page.evaluate(f"() => [...document.querySelectorAll('{PLOT}')].map(gd => "
                                "gd.getBoundingClientRect().height)")
        assert all(h <= height for h in heights), heights
        no_exception(page)
        name = f"measured_time-{width}x{height}" + ("-present" if query else "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        for n, plot in enumerate(page.locator(PLOT).all()):
            plot.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{name}-chart{n + 1}.png"))
    finally:
        context.close()
