"""The Measured time page through AppTest: the counts at once, the measured sections once measured (real
measurements, shared through the process's bench: no assertion depends on how long anything took), every
layer choice, bad links, a layer too large to time, the code view. "Measure again" (a button) is clicked in
the browser test (tests/test_browser_measured_time.py); its pacing is tested in test_lesson_measured_time."""

import re

import pytest

import engine
import ui
from lessons import bench as benches
from lessons import measured_time as topic
from lessons.measured_time import CUSTOM, LAYERS
from test_pages import open_page

PAGE = "pages/measured_time.py"
SECTIONS = ["Counted work", "Measured time", "MobileNet v1, layer by layer: the count against the clock",
            "How it was measured"]


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_the_lectures_first_example_counted_and_measured():
    at = open_page(PAGE)
    assert not at.error
    values = metrics(at)
    assert values["Multiplications: standard"] == "86,400" and values["Multiplications: separable"] == "10,275"
    assert values["Counted ratio"] == "8.4×" and values["Bytes moved: standard"] == "27,212"
    assert [s.value for s in at.subheader] == SECTIONS
    assert "NumPy: measured ratio" in values and values["Peak (matrix product)"].endswith("G mult-adds/s")
    if engine.timing.torch_or_none() is not None:
        assert "PyTorch: measured ratio" in values
    assert len(at.get("plotly_chart")) == 3
    text = " ".join(m.value for m in at.markdown)
    assert "A GPU, a phone or another processor" in text and "UTC" in text


@pytest.mark.parametrize("layer", [LAYERS[1], LAYERS[2], LAYERS[-2]])
def test_other_layers(layer):
    at = open_page(PAGE, {"layer": layer})
    assert not at.exception and not at.error
    spec = topic.EXAMPLES[layer]
    assert metrics(at)["Multiplications: standard"] == f"{spec.cost('standard').multiplications:,}"
    # the example fixes the sliders, shown greyed out at its values
    assert all(s.disabled for s in at.slider)


def test_a_page_opened_while_another_session_measures_does_not_wait_for_it():
    """A class opening the page at once: one session measures, the others get the counts at once and a
    page that looks again by itself (a fragment), with how many measurements are made; then the results."""
    query = {"layer": CUSTOM, "c": "5", "h": "9", "k": "3", "n": "7"}  # a layer no other test measures
    store, _ = benches.shared()
    with store._lock:  # another session is measuring
        at = open_page(PAGE, query)
    assert not at.exception and not at.error
    assert metrics(at)["Multiplications: standard"] == f"{engine.standard_cost((5, 9, 9), 3, 7).multiplications:,}"
    assert "NumPy: measured ratio" not in metrics(at)
    made = [re.search(r"(\d+) of (\d+) measurements made", i.value) for i in at.info]
    made = [m for m in made if m]
    assert made and int(made[0][1]) < int(made[0][2]), [i.value for i in at.info]
    at.run()  # what the fragment's look does once the other session is done: this page measures, then shows
    assert not at.exception
    assert "NumPy: measured ratio" in metrics(at)
    assert not any("measurements made" in i.value for i in at.info)


def test_a_custom_layer_from_the_sliders():
    at = open_page(PAGE, {"layer": CUSTOM, "c": "8", "h": "16", "k": "5", "n": "32", "stride": "2"})
    assert not at.exception and not at.error
    cost = engine.standard_cost((8, 16, 16), 5, 32, 2)
    assert metrics(at)["Multiplications: standard"] == f"{cost.multiplications:,}"


def test_an_impossible_custom_layer_explains_itself():
    at = open_page(PAGE, {"layer": CUSTOM, "h": "3", "k": "7"})
    assert not at.exception
    assert at.error and "cannot be computed" in at.error[0].value


def test_a_layer_too_large_to_time_is_counted_only():
    at = open_page(PAGE, {"layer": CUSTOM, "c": "256", "h": "112", "k": "7", "n": "256"})
    assert not at.exception and not at.error
    assert any("more than the 500,000,000" in w.value for w in at.warning)
    assert "NumPy: measured ratio" not in metrics(at)


@pytest.mark.parametrize("query", [{"h": "99999"}, {"layer": "nonsense"}, {"k": "abc"}, {"stride": "-4"}])
def test_a_bad_link_opens_with_a_notice_never_a_traceback(query):
    at = open_page(PAGE, {"layer": CUSTOM, **query} if "layer" not in query else query)
    assert not at.exception
    assert any("link" in w.value.lower() or "could not" in w.value.lower() or "takes" in w.value.lower()
               for w in at.warning), [w.value for w in at.warning]


def test_the_code_view_shows_numpy_and_pytorch():
    at = open_page(PAGE)
    assert not at.code
    at.session_state[ui.code_view.SHOW_CODE] = True
    at.run()
    assert not at.exception
    blocks = [c.value for c in at.code]
    assert len(blocks) == 2 and "import numpy" in blocks[0] and "import torch" in blocks[1]
    assert "= 86,400" in blocks[0]
