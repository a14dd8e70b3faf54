"""Each page owns its state, in a real browser: the address a page shows carries its own values only,
moving to another page through the sidebar opens it at its lecture example, and "Reset to the lecture's
example" takes a page back there (address included). AppTest does not see the address bar."""

from __future__ import annotations

import re
import urllib.parse

from test_browser import (  # noqa: F401  (the fixtures are found by name)
    app_url,
    browser_context,
    chromium,
    js_errors,
    new_tab,
    open_app,
    settle,
    tab,
)


def metric(page, label: str) -> str:
    return page.locator("[data-testid=stMetric]", has_text=label).first.locator(
        "[data-testid=stMetricValue]").inner_text().strip()


def press(page, label: str, key: str, times: int) -> None:
    """Move a Streamlit slider with the keyboard, as a student does, and wait for the rerun."""
    slider = page.locator("[data-testid=stSlider]", has_text=label).locator("input[type=range]")
    slider.focus()
    for _ in range(times):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    settle(page)


def address(page) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def test_a_changed_convolution_page_leaves_spatially_separable_at_81_and_72(tab):
    open_app(tab, "/convolution?present=true")
    tab.locator("#classroom-controls").click()  # presenter mode folds the sidebar away: bring it back
    assert tab.get_by_role("button", name=re.compile("Reset to the lecture's example")).is_visible()  # presenter too
    press(tab, "Input height", "ArrowRight", 2)
    press(tab, "Stride", "ArrowRight", 1)
    tab.wait_for_url(re.compile(r"[?&]stride=2(&|$)"))
    assert address(tab).get("h") == ["7"], tab.url
    assert metric(tab, "Multiplications") == "54"
    tab.locator("[data-testid=stSidebarNav] a", has_text="Spatially separable").click()
    tab.wait_for_url(re.compile(r"/spatially_separable"))
    settle(tab)
    tab.wait_for_function("() => document.querySelectorAll('[data-testid=stMetric]').length >= 4")
    assert metric(tab, "Full 3×3 kernel") == "81" and metric(tab, "Two passes in all") == "72"
    tab.wait_for_timeout(500)
    params = address(tab)
    assert "h" not in params and "stride" not in params, tab.url
    assert params.get("present") == ["true"], tab.url  # the classroom switches travel with the lecturer
    assert not js_errors(tab), js_errors(tab)


def test_reset_takes_the_page_and_its_address_back_to_the_lectures_example(tab):
    open_app(tab, "/spatially_separable?h=7&stride=2")
    tab.wait_for_function("() => document.querySelectorAll('[data-testid=stMetric]').length >= 4")
    assert metric(tab, "Full 3×3 kernel") != "81"
    tab.get_by_role("button", name=re.compile("Reset to the lecture's example")).click()
    tab.wait_for_function("() => !/[?&](h|stride)=/.test(location.search)")
    settle(tab)
    tab.wait_for_function("() => document.querySelectorAll('[data-testid=stMetric]').length >= 4")
    assert metric(tab, "Full 3×3 kernel") == "81" and metric(tab, "Two passes in all") == "72"
    assert not js_errors(tab), js_errors(tab)
