"""The Spatially separable page in a real browser (Playwright driving Debian's Chromium).

Reuses test_browser.py's fixtures and helpers. The fixtures are module-scoped and are imported
here by name, so pytest registers them for this module too: this module gets its own fresh
`streamlit run app.py` server and its own Chromium, and its first test is the server's first page.

What AppTest cannot see is checked here: the one animation of both routes (the full kernel beside
the two passes) and its counter at the last step, one Play advancing both routes and the counter
with the heatmaps drawn, a kernel too large for the input explained in its section with the rest of
the page drawn, URL-bound custom kernels (good and malformed), and an image upload (good and broken)
through the real uploader.
"""

from __future__ import annotations

import io
import re

import pytest
from test_browser import (  # noqa: F401  (the fixtures are found by name)
    ARTIFACTS,
    PLOT,
    app_url,
    browser_context,
    chromium,
    js_errors,
    new_tab,
    no_exception,
    settle,
    tab,
)

import engine

PAGE = "/spatially_separable"
COUNTER = re.compile(r"Two passes ([\d,]+) \+ ([\d,]+) = ([\d,]+) multiplications against the full kernel's ([\d,]+)")
METRIC = "[data-testid=stMetricValue]"
ALERT = "[data-testid=stAlertContainer]"
IMAGE = "[data-testid=stImage]"
FILE_INPUT = "[data-testid=stFileUploader] input[type=file]"

# The page's plots, each with its frame count: the scans are the ones with frames.
# Frames of every plot shown (0 for one hidden: the comparison is sent in two layouts, a CSS rule shows the one
# that fits the screen; this module's 1400 px viewport shows the stacked one)
FRAME_COUNTS = (f"() => [...document.querySelectorAll('{PLOT}')].map(gd => gd.getClientRects().length ? "
                "(gd._transitionData?._frames?.length || 0) : 0)")


@pytest.fixture(scope="module")
def sobel_tab(browser_context):
    """The default page, opened once (the page is heavy) for the tests that start from it."""
    page = new_tab(browser_context)
    yield page
    page.close()


def on_default_page(page) -> None:
    """Open the default page unless this tab already shows it (a test run on its own)."""
    if not page.url.endswith(PAGE):
        open_page(page)


def open_page(page, query: str = "", charts: int = 1) -> None:
    """Open the page and wait until the script is done and `charts` scan figures are drawn."""
    page.goto(page.base_url + PAGE + query)
    settle(page, chart=charts > 0)
    if charts:
        page.wait_for_function(f"n => ({FRAME_COUNTS})().filter(c => c > 0).length >= n", arg=charts)


def scan_indexes(page) -> list[int]:
    """Indexes (among all the page's plots) of the animated scans, in page order."""
    return [i for i, frames in enumerate(page.evaluate(FRAME_COUNTS)) if frames > 0]


def on_plot(page, index: int, expression: str):
    """Evaluate a JS expression with `gd` bound to the index-th plot's graph div."""
    return page.evaluate(
        f"i => {{ const gd = document.querySelectorAll('{PLOT}')[i]; return {expression}; }}", index)


def metric_values(page) -> list[str]:
    return [v.strip() for v in page.locator(METRIC).all_inner_texts()]


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


def full_screenshot(page, name: str) -> None:
    """The whole page in a 1400×3000 viewport, then the viewport put back."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.wait_for_timeout(400)  # plotly relayouts to the new width
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(before)


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height))
    image.putdata([(255 * x // (width - 1), 255 * y // (height - 1), 128) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- tests (the first one is the fresh server's first page: a deep link) ---------------------------


def counter(page, index: int) -> tuple[int, ...]:
    """The counter in the animation's caption: pass 1, pass 2, their sum, the full kernel, so far."""
    text = on_plot(page, index, "gd.layout.annotations[0].text")
    found = COUNTER.search(text)
    assert found, text
    return tuple(int(n.replace(",", "")) for n in found.groups())


def test_defaults_show_the_lectures_sobel_costs_and_one_animation_of_both_routes(sobel_tab):
    tab = sobel_tab
    open_page(tab)
    no_exception(tab)
    # full 3×3 on 5×5: 9 positions × 9; pass 1: 3×5 × 3; pass 2: 3×3 × 3; 45 + 27 = 72
    assert metric_values(tab)[:4] == ["81", "45", "27", "72"], metric_values(tab)
    assert tab.get_by_text("Rank 1: separable").count() >= 1

    full_screenshot(tab, "separable-at-rest.png")  # as loaded: the animation at its first step

    (index,) = scan_indexes(tab)  # one animation: the full kernel beside the two passes
    assert counter(tab, index) == (3, 0, 3, 9)
    names = on_plot(tab, index, "gd._transitionData._frames.map(f => f.name)")
    steps = on_plot(tab, index, "gd._fullLayout.sliders[0].steps.length")
    assert len(names) == steps == 15 + 9  # pass 1's 3×5 positions, then pass 2's 3×3
    tab.evaluate(
        """([i, last]) => Plotly.animate(document.querySelectorAll(%r)[i], [last],
            {frame: {redraw: false}, mode: 'immediate', transition: {duration: 0}})""" % PLOT, [index, names[-1]])
    tab.wait_for_function(
        "([i, last]) => document.querySelectorAll(%r)[i]._fullLayout.sliders[0].active === last" % PLOT,
        arg=[index, steps - 1])
    assert counter(tab, index) == (45, 27, 72, 81)  # the lecture's numbers, together at the last step
    label = on_plot(tab, index, f"gd._fullLayout.sliders[0].steps[{steps - 1}].label")
    assert label == "24/24 · pass 2 9/9 · full kernel 9/9", label
    shown = tab.locator(PLOT).nth(index).locator(".slider-container").first.text_content()
    assert "24/24" in shown, shown
    # the step in words under the chart follows the animation
    words = tab.locator(".st-key-steptext_scan__narrow").inner_text()  # the layout a 1400 px screen shows
    assert "45 + 27 = 72 multiplications against the full kernel's 81" in words, words
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


def test_one_play_advances_the_full_kernel_the_passes_and_the_counter(sobel_tab):
    tab = sobel_tab
    on_default_page(tab)
    (index,) = scan_indexes(tab)
    chart = tab.locator(PLOT).nth(index)
    steps = on_plot(tab, index, "gd._fullLayout.sliders[0].steps.length")
    # back to the first step (the test above leaves the animation at its last)
    tab.evaluate(
        """i => Plotly.animate(document.querySelectorAll(%r)[i], ['0'],
            {frame: {redraw: false}, mode: 'immediate', transition: {duration: 0}})""" % PLOT, index)
    tab.wait_for_function("i => document.querySelectorAll(%r)[i]._fullLayout.sliders[0].active === 0" % PLOT,
                          arg=index)
    expected = len(heatmap_images(tab, index))
    assert_drawn(heatmap_images(tab, index), expected)
    # where the full kernel's window and pass 1's window are: their overlay axes' ranges
    windows = "[gd.layout.xaxis2.range[0], gd.layout.yaxis2.range[0], gd.layout.xaxis5.range[0], gd.layout.yaxis5.range[0]]"
    start = on_plot(tab, index, windows)

    chart.locator(".updatemenu-button", has_text="Play").click()
    seen = []
    for _ in range(5):
        tab.wait_for_timeout(700)
        assert_drawn(heatmap_images(tab, index), expected)  # drawn while it plays
        seen.append((on_plot(tab, index, "gd._fullLayout.sliders[0].active"), counter(tab, index),
                     on_plot(tab, index, windows)))
    chart.locator(".updatemenu-button", has_text="Pause").click()
    actives = [active for active, _, _ in seen]
    assert actives == sorted(actives) and actives[-1] > 1, actives
    assert actives[-1] < steps - 1, ("played to the end too fast to sample", actives)
    first_counts, last_counts = seen[0][1], seen[-1][1]
    assert last_counts[0] > first_counts[0] and last_counts[3] > first_counts[3], seen  # pass 1 and the full kernel
    assert all(a + b == total for a, b, total, _ in (counts for _, counts, _ in seen)), seen
    moved = seen[-1][2]
    assert moved[0] != start[0] or moved[1] != start[1], (start, moved)  # the full kernel's window moved
    assert moved[2] != start[2] or moved[3] != start[3], (start, moved)  # and pass 1's
    tab.wait_for_timeout(100)
    paused = on_plot(tab, index, "gd._fullLayout.sliders[0].active")
    tab.wait_for_timeout(1000)
    assert on_plot(tab, index, "gd._fullLayout.sliders[0].active") == paused
    assert_drawn(heatmap_images(tab, index), expected)
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


# Where the comparison's two route titles stand on the screen, in the animation the screen shows
ROUTE_TITLES = f"""() => {{
  const shown = [...document.querySelectorAll('{PLOT}')].filter(gd => gd.getClientRects().length && gd._transitionData?._frames?.length);
  return shown.map(gd => {{
    const key = (gd.closest('[class*="st-key-"]')?.className.match(/st-key-(\\S+)/) || [])[1];
    const boxes = [...gd.querySelectorAll('.annotation-text')].filter(t => /^(Full |Two passes:)/.test(t.textContent))
      .map(t => {{ const r = t.getBoundingClientRect(); return {{text: t.textContent, left: r.left, top: r.top}}; }});
    return {{key, boxes, width: gd.getBoundingClientRect().width}};
  }});
}}"""


@pytest.mark.parametrize("viewport, key, beside", [
    ({"width": 1920, "height": 1080}, "scan", True),  # 1,600 px and wider: the full kernel beside the two passes
    ({"width": 1600, "height": 900}, "scan", True),
    ({"width": 1599, "height": 900}, "scan__narrow", False),  # narrower: the full kernel's route above the passes'
    ({"width": 1280, "height": 800}, "scan__narrow", False),
])
def test_wide_screens_put_the_routes_side_by_side_and_narrow_ones_stack_them(tab, viewport, key, beside):
    tab.set_viewport_size(viewport)
    open_page(tab, "?step=24")
    (shown,) = tab.evaluate(ROUTE_TITLES)  # one of the two layouts is shown, the other hidden by the CSS rule
    assert shown["key"] == key, shown
    full, passes = sorted(shown["boxes"], key=lambda box: not box["text"].startswith("Full"))
    if beside:
        assert abs(full["top"] - passes["top"]) < 2 and passes["left"] > full["left"] + 300, shown
    else:
        assert passes["top"] > full["top"] + 100, shown
    # the link's step opened the layout shown (both share ?step=), with the lecture's counter complete
    (index,) = scan_indexes(tab)
    assert on_plot(tab, index, "gd._fullLayout.sliders[0].active") == 23
    assert counter(tab, index) == (45, 27, 72, 81)
    words = tab.locator(f".st-key-steptext_{key}").inner_text()
    assert "45 + 27 = 72 multiplications against the full kernel's 81" in words, words
    tab.screenshot(path=str(ARTIFACTS / f"separable-routes-{viewport['width']}x{viewport['height']}.png"))
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


def test_a_kernel_larger_than_the_input_explains_itself_and_the_page_goes_on(tab):
    open_page(tab, "?kernel=random&ksize=7", charts=0)
    alert = tab.locator(ALERT, has_text="cannot be computed")
    alert.first.wait_for()
    assert "spans 7 cells" in alert.first.inner_text()
    tab.locator(IMAGE).nth(3).wait_for()  # the real image, filtered both ways
    settle(tab)
    assert tab.get_by_text("Rank 7: not separable").count() >= 1
    tab.locator("[data-testid=stExpander] summary", has_text="Going further").click()
    tab.locator(".st-key-per_pixel .js-plotly-plot").wait_for()
    tab.locator(".st-key-errors .js-plotly-plot").wait_for()
    settle(tab)
    no_exception(tab)
    assert not js_errors(tab), js_errors(tab)


def test_upload_a_png_then_a_broken_file(sobel_tab):
    tab = sobel_tab
    on_default_page(tab)
    tab.locator("[data-testid=stRadio] label", has_text="upload your own").click()
    file_input = tab.locator(FILE_INPUT)
    file_input.wait_for(state="attached")
    settle(tab)
    assert tab.locator(IMAGE).count() == 0  # no image until one is uploaded

    file_input.set_input_files({"name": "gradient.png", "mimeType": "image/png", "buffer": png_bytes(64, 48)})
    tab.locator(IMAGE).nth(3).wait_for()
    settle(tab)
    images = tab.locator(IMAGE)
    assert images.count() == 4
    for i in range(4):
        img = images.nth(i).locator("img")
        assert img.count() == 1
        box = img.bounding_box()
        assert box and box["width"] > 20 and box["height"] > 10, box
        assert img.evaluate("img => img.complete && img.naturalWidth > 0"), i
    captions = tab.locator("[data-testid=stImageCaption]").all_inner_texts()
    assert any("input 64×48" in c for c in captions), captions
    assert any("full kernel:" in c for c in captions) and any("two passes:" in c for c in captions), captions
    no_exception(tab)
    full_screenshot(tab, "separable-upload.png")

    file_input.set_input_files({"name": "broken.png", "mimeType": "image/png", "buffer": b"not an image"})
    alert = tab.locator(ALERT, has_text="This image cannot be used")
    alert.wait_for()
    settle(tab)
    text = alert.inner_text()
    assert "not a PNG or JPEG" in text, text
    assert tab.locator(IMAGE).count() == 0
    no_exception(tab)
    assert metric_values(tab)[:4] == ["81", "45", "27", "72"]  # the rest of the page still runs
    assert len(scan_indexes(tab)) == 1
    assert not js_errors(tab), js_errors(tab)


def test_custom_kernel_from_the_url_is_separable(tab):
    open_page(tab, "?kernel=custom&custom=1%202%203%3B%202%204%206", charts=0)
    full = tab.locator("[data-testid=stMetric]", has_text="Full 2×3 kernel").locator(METRIC)
    full.wait_for()
    settle(tab, chart=False)
    no_exception(tab)
    tab.get_by_text("Rank 1: separable").first.wait_for()
    cost = engine.standard_cost((1, 5, 5), (2, 3), 1)
    assert full.inner_text().replace(",", "").strip() == str(cost.multiplications), cost
    # the sidebar text box shows the URL's kernel
    assert tab.locator("[data-testid=stSidebar] [data-testid=stTextInput] input").input_value() == "1 2 3; 2 4 6"


def test_malformed_custom_kernel_from_the_url_is_explained(tab):
    # a link's malformed kernel: a notice saying what is wrong, and the page with the default kernel
    open_page(tab, "?kernel=custom&custom=1%202%3B%203")
    alert = tab.locator(ALERT, has_text="was not used")
    alert.first.wait_for()
    text = alert.first.inner_text()
    assert "these rows have 2, 1" in text and "custom=" in text, text
    assert tab.locator("[data-testid=stTextInput] input").first.input_value() == "1 2 1; 0 0 0; -1 -2 -1"
    # typed by hand, the same text is explained, and no chart is drawn
    field = tab.locator("[data-testid=stTextInput] input").first
    field.fill("1 2; 3")
    field.press("Enter")
    tab.locator(ALERT, has_text="cannot be computed").first.wait_for()
    settle(tab, chart=False)
    assert "these rows have 2, 1" in tab.locator(ALERT, has_text="cannot be computed").first.inner_text()
    no_exception(tab)
