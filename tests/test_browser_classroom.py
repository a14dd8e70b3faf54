"""The classroom features in a real browser: presenter mode at projector sizes, stepping the
animation with the keyboard, the current step in words (changed in the same frame as the chart, by
a page script that polls nothing and is still while the page is idle), "Copy link to this view"
opening the same view in a new tab, and a tampered link answered with a notice.

Reuses test_browser.py's fixtures (its own server and Chromium for this module). Screenshots go
to test-artifacts/classroom-*.png.
"""

from __future__ import annotations

import re

import pytest
from test_browser import (  # noqa: F401  (the fixtures are found by name)
    ARTIFACTS,
    CHROMIUM_ARGS,
    IDLE,
    PLOT,
    ROOT,
    app_url,
    chromium,
    js_errors,
    new_tab,
    no_exception,
    settle,
    slider_value,
)

import engine
import viz
from viz import presentation

ACTIVE = f"() => document.querySelector('{PLOT}')._fullLayout.sliders[0].active"
STEP_LINE = ".st-key-steptext_scan"


@pytest.fixture(scope="module")
def context(chromium, app_url):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    context.base_url = app_url
    yield context
    context.close()


@pytest.fixture
def tab(context):
    page = new_tab(context)
    yield page
    page.close()


def open_app(page, path: str) -> None:
    page.goto(page.base_url + path)
    settle(page)
    page.wait_for_function(f"() => document.querySelector('{PLOT}')?._fullLayout?.sliders?.length > 0")


def active(page) -> int:
    return page.evaluate(ACTIVE)


def wait_for_step(page, step: int) -> None:
    page.wait_for_function(f"step => ({ACTIVE})() === step", arg=step)


def test_the_first_page_loads(tab):
    # the module's first page is served by a fresh server (the deep-link mode switch happens here)
    open_app(tab, "/convolution")
    no_exception(tab)


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_presenter_mode_at_projector_sizes(chromium, app_url, width, height):  # noqa: F811
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.base_url = app_url
    page = new_tab(context)
    try:
        open_app(page, "/convolution?present=true")
        no_exception(page)
        page.wait_for_function("() => getComputedStyle(document.documentElement).fontSize === '21px'")
        # the numbers on the cells: large enough for the back row
        cells = f"{PLOT} .heatmaplayer text"
        sizes = page.evaluate(f"""() => [...document.querySelectorAll('{cells}')]
            .map(t => parseFloat(getComputedStyle(t).fontSize)).filter(s => s > 0)""")
        chart = page.evaluate(f"() => document.querySelector('{PLOT}').getBoundingClientRect().toJSON()")
        page.screenshot(path=str(ARTIFACTS / f"classroom-presenter-{width}x{height}.png"))
        assert sizes and min(sizes) >= 18, sizes
        # nothing spills sideways: the chart fits the window, the page does not scroll horizontally
        assert chart["right"] <= width + 1
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        # the help under the controls is hidden, the controls are not
        assert page.locator("[data-testid=stSidebar] [data-testid=stCaptionContainer]:visible").count() == 0
        assert page.locator("[data-testid=stSidebar] [data-testid=stSlider]").first.is_visible()
        # the step slider's current step reads large
        current = page.evaluate(f"""() => parseFloat(getComputedStyle(
            document.querySelector('{PLOT} .slider-container text.slider-label')).fontSize)""")
        assert current >= 19
        assert not js_errors(page)
    finally:
        context.close()


def test_keyboard_steps_the_animation_and_the_step_is_written_out(tab):
    open_app(tab, "/convolution")
    trace_steps = 9
    assert active(tab) == 0
    tab.mouse.click(700, 30)  # the page, not a control
    tab.keyboard.press("ArrowRight")
    wait_for_step(tab, 1)
    tab.keyboard.press("ArrowRight")
    wait_for_step(tab, 2)
    tab.keyboard.press("ArrowLeft")
    wait_for_step(tab, 1)
    tab.keyboard.press("End")
    wait_for_step(tab, trace_steps - 1)
    # the line under the chart follows, and is announced to screen readers
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 9/9')")
    line = tab.locator(STEP_LINE)
    assert line.get_attribute("aria-live") == "polite"
    assert f"{engine.standard_cost((1, 5, 5), (3, 3), 1).multiplications} multiplications" in line.inner_text()
    tab.keyboard.press("Home")
    wait_for_step(tab, 0)
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 1/9')")
    # keys typed into a control stay with that control
    slider = tab.locator("[data-testid=stSlider]", has_text="Input height").locator("input[type=range]")
    slider.focus()
    tab.keyboard.press("ArrowRight")
    tab.wait_for_selector(IDLE, state="attached")
    tab.wait_for_function(f"() => document.querySelector('{PLOT}')._fullLayout.sliders[0].steps.length === 12")
    assert slider_value(tab, "Input height") == "6"
    assert active(tab) == 0
    tab.screenshot(path=str(ARTIFACTS / "classroom-keyboard.png"))
    assert not js_errors(tab)


def test_copied_link_opens_the_same_view_in_a_new_tab(tab, context):
    open_app(tab, "/convolution?w=6&kernel=Sobel+y&stride=1")
    slider = tab.locator("[data-testid=stSlider]", has_text="Input channels").locator("input[type=range]")
    slider.focus()
    tab.keyboard.press("ArrowRight")  # 2 channels: a change made by hand, after the link
    tab.wait_for_selector(IDLE, state="attached")
    tab.wait_for_function("() => new URL(location.href).searchParams.get('c') === '2'")
    settle(tab)
    tab.wait_for_function(f"""() => document.querySelector('{PLOT}').data
        .filter(t => (t.name || '').startsWith('input channel')).length === 2""")  # the redrawn chart
    tab.mouse.click(700, 30)
    for step in range(1, 5):
        tab.keyboard.press("ArrowRight")
        wait_for_step(tab, step)
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 5/')")
    caption = tab.locator(STEP_LINE).inner_text()
    tab.click("#copy-view-link")
    tab.wait_for_function("() => document.getElementById('copy-view-status').textContent.includes('copied')")
    link = tab.evaluate("() => navigator.clipboard.readText()")
    assert "step=5" in link and "c=2" in link and "w=6" in link

    other = new_tab(context)
    try:
        other.goto(link)
        settle(other)
        other.wait_for_function(f"() => document.querySelector('{PLOT}')?._fullLayout?.sliders?.length > 0")
        assert active(other) == 4
        for label, value in (("Input width", "6"), ("Input channels", "2")):
            assert slider_value(other, label) == value
        other.wait_for_function(f"text => document.querySelector('{STEP_LINE}').innerText === text", arg=caption)
        kernel = other.evaluate(f"""() => {{
            const z = document.querySelector('{PLOT}').data.find(t => t.name === 'kernel 1 channel 2').z;
            return Array.from(z._inputArray).map(row => Array.from(row)); }}""")  # rows of typed arrays
        assert kernel == engine.kernel_bank("Sobel y", 1, 2, 3, 3, 0)[0, 1].tolist()
        no_exception(other)
        other.screenshot(path=str(ARTIFACTS / "classroom-copied-link.png"))
    finally:
        other.close()


def test_play_continues_from_the_step_a_link_opened(tab):
    """A link's step=6 shows step 6; Play goes on from there (7, 8, ...), not back to step 1."""
    open_app(tab, "/convolution?h=8&w=8&step=6&speed=fast")  # 36 steps, 350 ms each
    assert active(tab) == 5
    # the page script animates to the link's step once the chart is drawn: plotly.js then knows the frame
    tab.wait_for_function(f"() => document.querySelector('{PLOT}')._fullLayout._currentFrame === '5'")
    tab.locator(f"{PLOT} .updatemenu-button", has_text="Play").click()
    seen = []
    for _ in range(6):
        tab.wait_for_timeout(250)
        seen.append(active(tab))
    assert seen == sorted(seen) and seen[0] >= 5 and seen[-1] > 5, seen
    tab.locator(f"{PLOT} .updatemenu-button", has_text="Pause").click()


def test_the_page_script_runs_on_events_not_on_a_timer():
    """No polling: the script wakes for plotly.js's events, keys and DOM changes only, and reads only
    what plotly.js was given (gd.layout) and what its events say, never its underscore internals."""
    script = (ROOT / "assets" / "classroom.html").read_text(encoding="utf-8")
    for polling in ("setInterval", "setTimeout", "requestAnimationFrame"):
        assert polling not in script, polling
    assert not re.search(r"\._[A-Za-z]", script.split("<script>")[1])  # no gd._fullLayout, _transitionData, ...
    for event in ("plotly_animatingframe", "plotly_sliderchange", "plotly_afterplot", "plotly_animated"):
        assert f'"{event}"' in script, event
    assert "MutationObserver" in script and "Plotly.animate" in script


def test_the_step_line_changes_with_the_chart_in_the_same_frame(tab):
    """A key steps the chart and rewrites the line under it before the browser draws the next frame."""
    open_app(tab, "/convolution")
    texts = presentation.step_texts(viz.scan_figure(engine.scan_trace(
        engine.input_pattern("random integers", 1, 5, 5), engine.kernel_bank("Sobel x", 1, 1, 3, 3, 0), 1, 0, 1)))
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 1/9')")
    tab.mouse.click(700, 30)  # the page, not a control
    for key, step in (("ArrowRight", 1), ("ArrowRight", 2), ("End", 8), ("ArrowLeft", 7), ("Home", 0)):
        seen = tab.evaluate(f"""key => new Promise(resolve => {{
            document.body.dispatchEvent(new KeyboardEvent('keydown', {{key, bubbles: true, cancelable: true}}));
            requestAnimationFrame(() => resolve({{
                step: document.querySelector('{PLOT}').layout.sliders[0].active,
                line: document.querySelector('{STEP_LINE}').innerText.trim()}}));
        }})""", key)
        assert seen == {"step": step, "line": texts[step]}, (key, seen)
    assert not js_errors(tab)


def test_an_idle_page_changes_nothing(tab):
    """Once the page has settled (here after a step with the keyboard), five idle seconds see no change
    to the page at all: no attribute rewritten, no text, no element."""
    open_app(tab, "/convolution")
    tab.mouse.click(700, 30)
    tab.keyboard.press("ArrowRight")
    wait_for_step(tab, 1)
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 2/9')")
    tab.wait_for_timeout(500)
    tab.evaluate("""() => {
        window.__idleChanges = [];
        new MutationObserver(records => window.__idleChanges.push(
            ...records.map(r => `${r.type} ${r.attributeName || ''} ${r.target.nodeName}`)))
          .observe(document.documentElement, {attributes: true, childList: true, characterData: true, subtree: true});
    }""")
    tab.wait_for_timeout(5000)
    assert tab.evaluate("() => window.__idleChanges") == []
    # and it still answers: the next key steps the chart and the line at once
    tab.keyboard.press("ArrowRight")
    wait_for_step(tab, 2)
    tab.wait_for_function(f"() => document.querySelector('{STEP_LINE}').innerText.startsWith('Step 3/9')")


def test_a_tampered_link_gets_a_notice_and_the_page_works(tab):
    open_app(tab, "/convolution?h=abc&kernel=%3Cscript%3Ealert(1)%3C/script%3E&step=77")
    notices = tab.locator("[data-testid=stAlert]")
    text = " ".join(notices.all_inner_texts())
    assert "h=" in text and "kernel=" in text and "step=" in text
    assert "<script>" not in tab.locator("[data-testid=stAlert]").first.inner_html()
    assert slider_value(tab, "Input height") == "5"
    assert active(tab) == 0
    no_exception(tab)
    tab.screenshot(path=str(ARTIFACTS / "classroom-tampered-link.png"))


# WCAG contrast of a text against what is behind it (semi-transparent layers composed on white)
CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const mix = (c, under) => ({r: c.r * c.a + under.r * (1 - c.a), g: c.g * c.a + under.g * (1 - c.a),
                              b: c.b * c.a + under.b * (1 - c.a)});
  const behind = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    return layers.reverse().reduce((under, c) => mix(c, under), {r: 255, g: 255, b: 255}); };
  const luminance = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (el, backdrop) => { const bg = behind(backdrop || el); const fg = mix(parse(getComputedStyle(el).color), bg);
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x); return (a + 0.05) / (b + 0.05); };
  const sidebar = document.querySelector('[data-testid=stSidebar]');
  const texts = {title: ['h1'], intro: ['[data-testid=stMainBlockContainer] [data-testid=stMarkdownContainer] p'],
    step_line: ['.st-key-steptext_scan p'], link_button: ['#copy-view-link'],
    control_label: ['[data-testid=stSidebar] [data-testid=stWidgetLabel] p'],
    // the value printed above a slider's thumb sits on the sidebar, not on the thumb
    slider_value: ['[data-testid=stSliderThumbValue]', sidebar]};
  const out = {};
  for (const [name, [selector, backdrop]] of Object.entries(texts)) {
    const el = document.querySelector(selector);
    out[name] = el ? ratio(el, backdrop) : null; }
  return out; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_keeps_its_contrast_in_light_and_dark(chromium, app_url, scheme):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)
    context.base_url = app_url
    page = new_tab(context)
    try:
        open_app(page, "/convolution")
        ratios = page.evaluate(CONTRAST)
        page.screenshot(path=str(ARTIFACTS / f"classroom-{scheme}.png"))
        assert all(value is not None for value in ratios.values()), ratios
        low = {name: round(value, 2) for name, value in ratios.items() if value < 4.5}  # WCAG AA, normal text
        assert not low, low
        # the charts keep their own light card in both themes: dark digits on light cells
        assert page.evaluate(f"() => document.querySelector('{PLOT}')._fullLayout.paper_bgcolor") == "#ffffff"
    finally:
        context.close()
