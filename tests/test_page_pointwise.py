"""The Pointwise page through AppTest: its input is the depthwise maps of the example chosen, the
engine's counts, every control, the URL."""

import json

import numpy as np
import pytest

import engine
from lessons.examples import separable_example
from lessons.pointwise import CUSTOM, EXAMPLES, TABLE_1, TABLE_2
from test_pages import open_page
from test_viz_scan import decode

PAGE = "pages/pointwise.py"


def metrics(at):
    return {m.label: m.value for m in at.metric}


def count(value):
    return int(value.replace(",", ""))


def chart(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def shown_grids(at) -> dict:
    return {t["name"]: decode(t["z"]) for t in chart(at)["data"] if t["type"] == "heatmap"}


def test_defaults_are_the_lectures_table_1_from_its_depthwise_maps():
    at = open_page(PAGE)
    assert not at.error
    values = metrics(at)
    cost = engine.pointwise_cost((3, 5, 5), 128)
    assert count(values["Multiplications"]) == cost.multiplications == 9600
    assert count(values["Parameters"]) == cost.params == 128 * 3
    assert count(values["Additions"]) == cost.additions
    assert values["Output"] == "5×5×128"
    text = " ".join(m.value for m in at.markdown)
    assert f"128 × 5 × 5 × 3 = **{cost.multiplications:,}**" in text
    assert "the 5×5×3 depthwise maps of the 7×7×3 example" in text
    assert "the Depthwise page, custom, 7×7×3 with 3×3 kernels, shows them being made" in text
    assert "Same result both ways" in at.success[0].value
    assert len(at.get("plotly_chart")) == 1
    # the input drawn is the depthwise stage's output of the 7×7×3 example
    example = separable_example(7, 7, 3, 3, 128)
    grids = shown_grids(at)
    for c in range(3):
        np.testing.assert_array_equal(grids[f"input channel {c + 1}"],
                                      engine.depthwise_conv2d(example.x, example.depthwise)[c])
    spec = chart(at)
    assert len(spec["frames"]) == 25
    assert spec["layout"]["sliders"][0]["steps"][-1]["label"].endswith("9,600 of 9,600 multiplications")


def test_an_example_fixes_the_sizes_and_shows_them_greyed_out():
    at = open_page(PAGE)
    for key, value in (("h", 5), ("w", 5), ("c", 3), ("k", 3), ("n", 128)):
        slider = at.slider(key=f"_shows_{key}_{value}")
        assert slider.disabled and slider.value == value
    assert not at.slider(key="seed").disabled
    at.selectbox(key="preset").set_value(TABLE_2).run()
    for key, value in (("h", 8), ("w", 8), ("c", 3), ("k", 5), ("n", 256)):
        slider = at.slider(key=f"_shows_{key}_{value}")
        assert slider.disabled and slider.value == value
    assert count(metrics(at)["Multiplications"]) == engine.pointwise_cost((3, 8, 8), 256).multiplications == 49152
    assert "the 8×8×3 depthwise maps of the 12×12×3 example" in " ".join(m.value for m in at.markdown)
    at.selectbox(key="preset").set_value(CUSTOM).run()
    for key in ("h", "w", "c", "k", "n"):
        assert not at.slider(key=key).disabled


def test_the_lectures_pointwise_stages_are_counted():
    at = open_page(PAGE)
    text = " ".join(m.value for m in at.markdown)
    for shape, n in (((3, 5, 5), 128), ((3, 8, 8), 256)):
        assert f"{engine.pointwise_cost(shape, n).multiplications:,}" in text
    assert "9,600" in text and "49,152" in text


def test_every_slider_at_both_range_ends():
    at = open_page(PAGE, {"preset": CUSTOM})
    for slider in [s for s in at.slider if not s.key.startswith("_")]:
        for value in (slider.min, slider.max):
            at.slider(key=slider.key).set_value(value).run()
            assert not at.exception, (slider.key, value, at.exception)
            assert not at.error and len(at.get("plotly_chart")) == 1
            assert at.success
        at.slider(key=slider.key).set_value(slider.value).run()


def test_every_choice_of_every_select_box():
    at = open_page(PAGE)
    for box in list(at.selectbox):
        for option in box.options:
            at.selectbox(key=box.key).set_value(option).run()
            assert not at.exception, (box.key, option, at.exception)
            assert at.success
    assert list(at.selectbox(key="preset").options) == list(EXAMPLES)
    for option in at.select_slider(key="speed").options:
        at.select_slider(key="speed").set_value(option).run()
        assert not at.exception


def test_all_controls_at_their_maximum():
    at = open_page(PAGE, {"preset": CUSTOM, "h": "8", "w": "8", "c": "8", "k": "5", "n": "256", "seed": "99"})
    assert not at.exception and not at.error
    cost = engine.pointwise_cost((8, 8, 8), 256)
    assert count(metrics(at)["Multiplications"]) == cost.multiplications == 131072
    assert at.success
    example = separable_example(12, 12, 8, 5, 256, 99)
    grids = shown_grids(at)
    np.testing.assert_array_equal(grids["input matrix"].reshape(64, 8),
                                  engine.depthwise_conv2d(example.x, example.depthwise).reshape(8, 64).T)


def test_the_url_sets_the_controls():
    at = open_page(PAGE, {"preset": CUSTOM, "h": "4", "w": "7", "c": "5", "k": "2", "n": "3", "seed": "7",
                          "speed": "fast"})
    assert at.slider(key="h").value == 4 and at.slider(key="w").value == 7 and at.slider(key="k").value == 2
    assert at.slider(key="c").value == 5 and at.slider(key="n").value == 3 and at.slider(key="seed").value == 7
    assert at.select_slider(key="speed").value == "fast"
    cost = engine.pointwise_cost((5, 4, 7), 3)
    values = metrics(at)
    assert count(values["Multiplications"]) == cost.multiplications
    assert count(values["Parameters"]) == 15 and values["Output"] == "4×7×3"
    assert "the 4×7×5 depthwise maps of the 5×8×5 example" in " ".join(m.value for m in at.markdown)
    example = separable_example(5, 8, 5, 2, 3, 7)
    grids = shown_grids(at)
    for n in range(3):
        np.testing.assert_array_equal(grids[f"output map {n + 1}"],
                                      engine.pointwise_conv2d(example.depthwise_maps, example.pointwise)[n])


@pytest.mark.parametrize("query", [{"c": "abc"}, {"n": "-3"}, {"h": "99999"}, {"preset": "<b>x</b>"},
                                   {"preset": CUSTOM, "k": "0"}])
def test_tampered_url_values_fall_back_without_an_exception(query):
    at = open_page(PAGE, query)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1


def test_the_default_example_is_table_1():
    at = open_page(PAGE)
    assert at.selectbox(key="preset").value == TABLE_1


def test_a_link_to_a_step_opens_at_that_pixel():
    at = open_page(PAGE, {"step": "13"})
    spec = chart(at)
    frame = spec["frames"][12]["layout"]
    assert spec["layout"]["sliders"][0]["active"] == 12
    assert spec["layout"]["annotations"][0]["text"] == frame["annotations[0].text"]
    assert "Pixel (3, 3)" in frame["annotations[0].text"]
    for path, value in frame.items():  # every axis the frame moves stands where the frame puts it
        if path.endswith(".range"):
            assert spec["layout"][path.removesuffix(".range")]["range"] == value, path
