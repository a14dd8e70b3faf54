"""The Pointwise page through AppTest: the engine's counts, every control, the URL."""

import numpy as np
import pytest

import engine
from test_pages import open_page

PAGE = "pages/pointwise.py"


def metrics(at):
    return {m.label: m.value for m in at.metric}


def count(value):
    return int(value.replace(",", ""))


def test_defaults_show_the_engines_counts_and_the_matrix_check():
    at = open_page(PAGE)
    assert not at.error
    values = metrics(at)
    cost = engine.pointwise_cost((3, 5, 5), 2)
    assert count(values["Multiplications"]) == cost.multiplications == 2 * 5 * 5 * 3
    assert count(values["Parameters"]) == cost.params == 2 * 3
    assert count(values["Additions"]) == cost.additions
    assert values["Output"] == "5×5×2"
    text = " ".join(m.value for m in at.markdown)
    assert f"2 × 5 × 5 × 3 = **{cost.multiplications}**" in text
    assert "Same result both ways" in at.success[0].value
    assert len(at.get("plotly_chart")) == 2


def test_the_lectures_pointwise_stages_are_counted():
    at = open_page(PAGE)
    text = " ".join(m.value for m in at.markdown)
    for shape, n in (((3, 5, 5), 128), ((3, 8, 8), 256)):
        assert f"{engine.pointwise_cost(shape, n).multiplications:,}" in text
    assert "9,600" in text and "49,152" in text


def test_every_slider_at_both_range_ends():
    at = open_page(PAGE)
    for slider in list(at.slider):
        for value in (slider.min, slider.max):
            at.slider(key=slider.key).set_value(value).run()
            assert not at.exception, (slider.key, value, at.exception)
            assert not at.error and len(at.get("plotly_chart")) == 2
            assert at.success
        at.slider(key=slider.key).set_value(slider.value).run()


def test_every_choice_of_every_select_box():
    at = open_page(PAGE)
    for box in list(at.selectbox):
        for option in box.options:
            at.selectbox(key=box.key).set_value(option).run()
            assert not at.exception, (box.key, option, at.exception)
            assert at.success
    for option in at.select_slider(key="speed").options:
        at.select_slider(key="speed").set_value(option).run()
        assert not at.exception


def test_all_controls_at_their_maximum():
    at = open_page(PAGE, {"h": "8", "w": "8", "c": "8", "n": "6", "seed": "99"})
    assert not at.exception and not at.error
    cost = engine.pointwise_cost((8, 8, 8), 6)
    assert count(metrics(at)["Multiplications"]) == cost.multiplications == 3072
    assert at.success


def test_the_url_sets_the_controls():
    at = open_page(PAGE, {"h": "4", "w": "7", "c": "5", "n": "3", "input": "checkerboard", "seed": "7",
                          "speed": "fast"})
    assert at.slider(key="h").value == 4 and at.slider(key="w").value == 7
    assert at.slider(key="c").value == 5 and at.slider(key="n").value == 3 and at.slider(key="seed").value == 7
    assert at.selectbox(key="input").value == "checkerboard"
    assert at.select_slider(key="speed").value == "fast"
    cost = engine.pointwise_cost((5, 4, 7), 3)
    values = metrics(at)
    assert count(values["Multiplications"]) == cost.multiplications
    assert count(values["Parameters"]) == 15 and values["Output"] == "4×7×3"


@pytest.mark.parametrize("query", [{"c": "abc"}, {"n": "-3"}, {"h": "99999"}, {"input": "<b>x</b>"}])
def test_tampered_url_values_fall_back_without_an_exception(query):
    at = open_page(PAGE, query)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_the_charts_show_the_engines_output():
    at = open_page(PAGE, {"c": "2", "n": "2", "h": "3", "w": "3"})
    import json
    from test_viz_scan import decode

    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    shown = {t["name"]: decode(t["z"]) for t in spec["data"] if t["type"] == "heatmap"}
    x = engine.input_pattern("random integers", 2, 3, 3, 0)
    w = np.random.default_rng(0).integers(-2, 3, size=(2, 2)).astype(float)
    np.testing.assert_array_equal(shown["output"].reshape(9, 2), engine.pointwise_conv2d(x, w).reshape(2, 9).T)
