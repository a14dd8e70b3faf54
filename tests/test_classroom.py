"""Shareable state, notices for bad links, and the figure helpers behind presenter mode and the
step-by-step text (viz/presentation.py).

A link is checked the way a student would use one: set every control on a page by hand, build the
URL those values make, open a fresh session on that URL, and compare everything the page shows.
"""

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import engine
import viz
from conftest import ROOT
from test_viz_scan import decode
from viz import presentation

PAGES = ["pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py", "pages/pointwise.py",
         "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py"]
# controls that unlock others (an example preset fixes some sizes): set first
FIRST = {"pages/depthwise.py": {"preset": "custom (use the sliders)"},
         "pages/pointwise.py": {"preset": "custom (use the sliders)"},
         "pages/depthwise_separable.py": {"preset": "custom"}}
KINDS = ("slider", "select_slider", "selectbox", "checkbox", "toggle", "number_input", "text_input", "radio")
APP_KEYS = {"present", "predict"}  # app.py's switches, on every page


def open_page(page, query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if query:
        for key, value in query.items():
            at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def controls(at):
    """Every keyed control the page shows, by key."""
    found = {}
    for kind in KINDS:
        for widget in getattr(at, kind):
            # an example's greyed, fixed values (_shows_…) are no control a link can set
            if widget.key and not widget.key.startswith(("FormSubmitter", "$$", "_shows_")):
                found[widget.key] = (kind, widget)
    return found


def url_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def other_value(kind, widget):
    """A valid value for the control other than the one it has."""
    value = widget.value
    if kind in ("slider", "number_input"):
        low = int(widget.min) if kind == "slider" else int(widget.proto.min)
        high = int(widget.max) if kind == "slider" else int(widget.proto.max)
        if high == low:
            return None
        return value + 1 if value + 1 <= high else value - 1
    if kind in ("selectbox", "radio", "select_slider"):
        options = list(widget.options)
        as_text = [str(o) for o in options]
        i = as_text.index(str(value)) if str(value) in as_text else 0
        if len(options) < 2:
            return None
        return type(value)(options[(i + 1) % len(options)]) if not isinstance(value, str) else options[(i + 1) % len(options)]
    if kind in ("checkbox", "toggle"):
        return not value
    if kind == "text_input":
        return "1 0 -1; 2 0 -2; 1 0 -1"  # a valid custom kernel, different from the default
    return None


def what_the_page_shows(at) -> dict:
    """Everything a student reads on the page, for comparing two sessions."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for chart in charts:
        chart.get("layout", {}).pop("template", None)
    return {
        "metrics": [(m.label, m.value) for m in at.metric],
        "markdown": [m.value for m in at.markdown],
        "latex": [m.value for m in at.latex],
        "errors": [e.value for e in at.error],
        "warnings": [w.value for w in at.warning],
        "charts": charts,
    }


@pytest.mark.parametrize("page", PAGES)
def test_a_link_with_every_control_set_reproduces_the_view(page):
    at = open_page(page)
    for key, value in FIRST.get(page, {}).items():
        at.selectbox(key=key).set_value(value).run()
    chosen = {}
    for key, (kind, widget) in sorted(controls(at).items()):
        if key in APP_KEYS or key in FIRST.get(page, {}) or widget.disabled:
            continue
        kind, widget = controls(at)[key]  # fresh after the reruns
        value = other_value(kind, widget)
        if value is None:
            continue
        widget.set_value(value)
        at.run()
        assert not at.exception, (key, value, at.exception)
    for key, (kind, widget) in controls(at).items():
        if key not in APP_KEYS:
            chosen[key] = widget.value
    assert len(chosen) >= 3, chosen
    by_hand = what_the_page_shows(at)

    linked = open_page(page, {key: url_text(value) for key, value in chosen.items()})
    for key, value in chosen.items():
        assert controls(linked)[key][1].value == value, key
    assert not linked.warning or by_hand["warnings"], [w.value for w in linked.warning]
    assert what_the_page_shows(linked) == by_hand


GARBAGE = ["abc", "999999999999", "-5", "2.5", "", "x" * 10_000]


@pytest.mark.parametrize("page", PAGES)
def test_garbage_in_a_link_gives_a_notice_and_the_defaults(page):
    unlock = FIRST.get(page, {})  # with the example preset on, some sliders are fixed: test them unlocked
    found = controls(open_page(page, unlock))
    defaults = {key: w.value for key, (kind, w) in found.items()}
    sliders = [key for key, (kind, w) in found.items() if kind in ("slider", "number_input")]
    choices = [key for key, (kind, w) in found.items() if kind in ("selectbox", "select_slider") and key not in unlock]
    assert sliders + choices
    for i, key in enumerate(sliders + choices):
        bad = GARBAGE[i % len(GARBAGE)] if key in sliders else "no such option"
        if bad == "":
            continue
        at = open_page(page, {**unlock, key: bad})
        kind, widget = controls(at)[key]
        assert widget.value == defaults[key], (key, bad)
        notices = " ".join(w.value for w in at.warning)
        assert f"`{key}=`" in notices, (key, bad, notices)
        assert "x" * 100 not in notices  # a long value is cut short in the message


def test_repeated_keys_and_a_malformed_kernel_give_notices():
    at = open_page("pages/convolution.py", {"h": ["6", "7"]})
    assert at.slider(key="h").value == 5
    assert "more than once" in " ".join(w.value for w in at.warning)

    at = open_page("pages/spatially_separable.py", {"kernel": "custom", "custom": "1 2; 3 x"})
    notices = " ".join(w.value for w in at.warning)
    assert "Custom kernel" in notices and "default" in notices
    assert at.text_input(key="custom").value == "1 2 1; 0 0 0; -1 -2 -1"
    assert not at.error  # the page shows the default kernel, not an error
    # a kernel typed by hand that does not parse is explained, not replaced
    at.text_input(key="custom").set_value("1 2; 3").run()
    assert at.error and not at.exception


def test_app_switches_take_true_or_false_only():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "maybe"
    at.run()
    assert at.toggle(key="present").value is False
    assert "`present=`" in " ".join(w.value for w in at.warning)


def lecture_scan():
    x = engine.input_pattern("random integers", 1, 5, 5, 0)
    w = engine.kernel_bank("Sobel x", 1, 1, 3, 3, 0)
    return engine.scan_trace(x, w, 1, 0, 1), x, w


def test_a_link_opens_the_animation_at_its_step():
    at = open_page("pages/convolution.py", {"step": "5"})
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["sliders"][0]["active"] == 4
    assert spec["layout"]["annotations"][0]["text"] == spec["frames"][4]["layout"]["annotations[0].text"]
    trace, _, _ = lecture_scan()
    # the window sits where the engine's fifth step is: x2 is shifted by its left column
    x_range = spec["layout"]["xaxis"]["range"]
    assert spec["layout"]["xaxis2"]["range"] == [x_range[0] - int(trace.left[4]), x_range[1] - int(trace.left[4])]
    step_line = at.caption[0].value
    assert step_line.startswith("Step 5/9") and f"{trace.multiplications_so_far[4]} multiplications" in step_line


@pytest.mark.parametrize("bad", ["0", "10", "abc", "-1"])
def test_a_bad_step_in_a_link_gives_a_notice_and_step_one(bad):
    at = open_page("pages/convolution.py", {"step": bad})
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["sliders"][0]["active"] == 0
    assert "steps 1 to 9" in " ".join(w.value for w in at.warning)


def test_start_at_shows_the_frame_of_that_step():
    trace, _, _ = lecture_scan()
    figure = viz.scan_figure(trace)
    for step in (0, 3, 8):
        moved = presentation.start_at(figure, step).to_dict()
        frame = figure.to_dict()["frames"][step]["layout"]
        assert moved["layout"]["sliders"][0]["active"] == step
        assert moved["layout"]["annotations"][0]["text"] == frame["annotations[0].text"]
        for path, value in frame.items():
            if path.endswith(".range"):
                axis = path.split(".")[0]
                assert moved["layout"][axis]["range"] == value
    # the original is not changed
    assert figure.to_dict()["layout"]["sliders"][0]["active"] == 0


def test_a_cached_scan_is_unchanged_by_presenter_mode_and_links():
    """A scan is cached and drawn by every session: its to_dict() hands out its own dicts, so enlarging
    it for one student's projector, or opening it at a link's step, must work on copies."""
    trace, _, _ = lecture_scan()
    figure = viz.scan_figure(trace, flipped=True)
    before = json.dumps(figure.to_dict(), sort_keys=True)
    presentation.enlarge(presentation.start_at(figure, 4), 1.35).to_dict()
    presentation.enlarge(figure, 1.35).to_dict()
    assert json.dumps(figure.to_dict(), sort_keys=True) == before


def test_start_at_moves_the_flatten_cells():
    from viz import flatten as viz_flatten

    values = np.arange(12, dtype=float).reshape(2, 2, 3)
    figure = viz_flatten.flatten_plot(values, "CHW", selected=None, frame_ms=500)  # plotly.py's, to compare with
    moved = presentation.start_at(viz_flatten.flatten_figure(values, "CHW", selected=None, frame_ms=500), 5).to_dict()
    frame = figure.frames[5]
    assert frame.data
    for index, trace in zip(frame.traces, frame.data):
        assert decode(moved["data"][index]["x"]).tolist() == list(trace.x)
        assert decode(moved["data"][index]["y"]).tolist() == list(trace.y)
        assert moved["data"][index]["marker"] == figure.data[index].marker.to_plotly_json()  # the rest is kept
    assert moved["layout"]["sliders"][0]["active"] == 5
    assert presentation.step_count(viz_flatten.flatten_figure(values, "CHW", frame_ms=500)) == len(figure.frames)


def test_every_step_as_text_is_written_when_opened_and_stays_open():
    """The transcript is written only while its expander is open (most reruns leave it closed); it
    lists the animation's steps, and stays open when the configuration changes."""
    at = open_page("pages/convolution.py")
    assert [e.label for e in at.expander if e.label.startswith("Every step")] == ["Every step as text"]
    assert not at.text
    at.session_state["steps_open_scan"] = True  # as a click on the expander does: it reruns the page
    at.run()
    trace, _, _ = lecture_scan()
    assert at.text[0].value.split("\n") == presentation.step_texts(viz.scan_figure(trace))
    at.slider(key="h").set_value(7).run()  # 5×5 -> 7×5: 15 positions
    assert len(at.text[0].value.split("\n")) == 15
    assert any(c.value == "15 steps" for c in at.caption)


def test_step_texts_say_what_each_step_computes():
    trace, x, w = lecture_scan()
    texts = presentation.step_texts(viz.scan_figure(trace))
    assert len(texts) == 9
    out = engine.conv2d(x, w)[0]
    for s, text in enumerate(texts):
        r, c = divmod(s, 3)
        assert text.startswith(f"Step {s + 1}/9")
        assert f"output ({r + 1}, {c + 1})" in text
        assert text.endswith(f"= {viz.style.ascii_number(out[r, c])}")
        assert "<" not in text
    # one step alone (what a page shows on every rerun) is that step's text
    figure = viz.scan_figure(trace)
    assert [presentation.step_texts(figure, [s])[0] for s in range(9)] == texts
    assert f"{engine.standard_cost((1, 5, 5), (3, 3), 1).multiplications} multiplications" in texts[-1]


def font_sizes(node, path="", found=None) -> dict:
    """Every font size in a figure, by where it is."""
    found = {} if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("font", "textfont") and isinstance(value, dict) and "size" in value:
                found[f"{path}.{key}"] = value["size"]
            font_sizes(value, f"{path}.{key}", found)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            font_sizes(item, f"{path}[{i}]", found)
    return found


def test_presenter_mode_enlarges_every_font_and_the_height():
    from viz import flatten

    figure = flatten.flatten_figure(np.arange(18.0).reshape(2, 3, 3), selected=3)
    big = presentation.enlarge(figure, 1.5)
    before, after = figure.to_dict(), big.to_dict()
    assert after["layout"]["height"] == round(before["layout"]["height"] * 1.5)
    small, large = font_sizes(before), font_sizes(after)
    assert len(small) > 5
    for where, size in small.items():
        if size > 1:  # the slider's hidden tick labels stay hidden
            assert large[where] == pytest.approx(size * 1.5, abs=0.1), where
    assert after["frames"] == before["frames"]
    slider = after["layout"]["sliders"][0]
    assert slider["currentvalue"]["font"]["size"] == pytest.approx(14 * 1.5)
    # the slider starts right of Play and Pause, which grow with their font
    assert slider["pad"]["l"] == round(before["layout"]["sliders"][0]["pad"]["l"] * 1.5)


def test_presenter_mode_makes_a_scan_as_large_as_a_projector_screen_allows():
    trace, _, _ = lecture_scan()
    figure = viz.scan_figure(trace)
    big = presentation.enlarge(figure, 1.35)
    before, after = figure.to_dict(), big.to_dict()
    layout = after["layout"]
    # the grids and the Play / slider row on one 1280×720 screen
    assert layout["height"] <= presentation.PRESENTER_MAX_HEIGHT

    def cell(spec):  # the cell the height gives (the canvas keeps its cells square)
        margin, y = spec["layout"]["margin"], spec["layout"]["yaxis"]["range"]
        return (spec["layout"]["height"] - margin["t"] - margin["b"]) / abs(y[0] - y[1])

    assert cell(after) > 1.5 * cell(before)  # far larger on a projector
    x = layout["xaxis"]["range"]
    # and no wider than the chart presenter mode opens with at 1280×720 (the sidebar folded), so that the canvas
    # fills it, with no spare height left blank above the caption
    assert cell(after) * abs(x[1] - x[0]) <= presentation.PRESENTER_FOLDED_PX
    # a layout that only screens 1,600 px wide and more show is fitted to them: larger cells, larger numbers
    wide = presentation.enlarge(figure, 1.35, wide_screen=True).to_dict()
    assert cell(wide) * abs(x[1] - x[0]) <= presentation.PRESENTER_WIDE_PX
    assert wide["layout"]["height"] <= presentation.PRESENTER_WIDE_MAX_HEIGHT
    fonts = [t["textfont"]["size"] for t in wide["data"] if t.get("type") == "heatmap" and t.get("text") is not None]
    assert fonts and min(fonts) >= min(t["textfont"]["size"] for t in after["data"]
                                       if t.get("type") == "heatmap" and t.get("text") is not None)
    # the numbers fit the cells of the narrower screen, and read large
    narrow = min(cell(after), (presentation.PRESENTER_NARROW_PX - 16) / abs(x[1] - x[0]))
    for trace_ in after["data"]:
        if trace_.get("type") == "heatmap" and trace_.get("text") is not None:
            longest = max(len(t) for row in trace_["text"] for t in row)
            assert 18 <= trace_["textfont"]["size"] and trace_["textfont"]["size"] * 0.56 * longest <= 0.9 * narrow
    small, large = font_sizes(before), font_sizes(after)
    for where, size in small.items():
        if size > 1 and ".textfont" not in where:  # every other font: times the factor
            assert large[where] == pytest.approx(size * 1.35, abs=0.1), where
    assert after["frames"] == before["frames"]
    assert layout["sliders"][0]["currentvalue"]["font"]["size"] == pytest.approx(15 * 1.35, abs=0.1)
    assert layout["sliders"][0]["pad"]["l"] == round(viz.scan.BUTTONS_PX * 1.35)


def test_presenter_mode_on_a_page():
    plain = open_page("pages/convolution.py")
    big = open_page("pages/convolution.py", {"present": "true"})
    h0 = json.loads(plain.get("plotly_chart")[0].proto.spec)["layout"]["height"]
    h1 = json.loads(big.get("plotly_chart")[0].proto.spec)["layout"]["height"]
    assert h1 > 1.3 * h0
    assert any("font-size" in (e.proto.body if hasattr(e.proto, "body") else "") for e in big.get("html"))
    assert not re.search("font-size: 21px", " ".join(e.proto.body for e in plain.get("html")))


@pytest.mark.parametrize("key, value, page, expected", [
    ("h", 12, "pages/flattening.py", 2),  # a height the next page's slider does not reach
    ("h", 3, "pages/flattening.py", 2),  # a height it could take
    ("pad", "full", "pages/depthwise.py", "0"),  # a padding the next page does not offer
])
def test_a_value_carried_to_another_page_is_fitted_to_its_control(key, value, page, expected):
    """Pages use the same key names (h, pad), but a value changed on one page does not follow to the next,
    not even one the next page's control could not take: it opens at its own default."""
    at = open_page("pages/convolution.py")
    widget = at.slider(key=key) if isinstance(value, int) else at.selectbox(key=key)
    widget.set_value(value).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    kind = "slider" if isinstance(value, int) else "selectbox"
    assert getattr(at, kind)(key=key).value == expected


def test_a_height_carried_from_flattening_still_computes_on_convolution():
    """Flattening's height goes down to 1, Convolution's to 2: the nearest end, 2, is smaller than
    the 3×3 kernel and could not be computed; the page opens with its default instead."""
    at = open_page("pages/flattening.py")
    at.slider(key="h").set_value(1).run()
    at.switch_page("pages/convolution.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.slider(key="h").value == 5
    assert at.get("plotly_chart")
