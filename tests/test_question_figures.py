"""Every page's question figure (issue 17: students see the question and the same figure, the answer
hidden), at the lecture's example and at Hypothesis-drawn configurations.

(a) Nothing of the answer: no title, label or table cell holds an answer's number as the page writes it
(ui.predict.answer_text), unless that number is also a given: one the question states, or a setting of
the page's configuration (an input of 3 channels may show "3" when the answer is 3). The numbers on the
cells are checked to be the cells' own values, and those values to be the givens: the engine's input
patterns and kernels (worked out here with NumPy where a pattern is random), column × row = kernel.
(b) The givens: the grids' values and shapes and the sizes in the titles, against the configuration.
A figure that shows an output (the page's own scan) fails the check (the last test), so it can fail; it
found Depthwise's "4 kernels" where 2 channels × 2 per channel each multiplied once (4 multiplications).
"""

from __future__ import annotations

import base64
import json
import os
import re

import numpy as np
import plotly.io as pio
import pytest
from conftest import assert_plotly_js_ready
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine
from engine import ConvConfigError
from lessons import convolution, depthwise, depthwise_separable, flattening, network_costs, pointwise
from lessons import spatially_separable as separable
from test_engine_conv import explicit_pads
from ui.predict import answer_text
from viz import question as question_figures

# QUESTION_FIGURE_EXAMPLES=400 draws more configurations (25 by default: the whole file in about 15 s)
SETTINGS = settings(max_examples=int(os.environ.get("QUESTION_FIGURE_EXAMPLES", 25)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
PADDINGS = st.sampled_from([0, 1, 2, 3, "valid", "same", "full"])


# ---- reading a figure


def spec_of(figure) -> dict:
    spec = json.loads(pio.to_json(figure, validate=False))
    assert_plotly_js_ready(spec)  # drawn from plain dicts: what plotly.py itself would send
    return spec


def decoded(value) -> np.ndarray:
    """A plotly array: a list, or a NumPy array sent base64-encoded as {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict):
        shape = [int(v) for v in str(value["shape"]).split(",")] if "shape" in value else [-1]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(shape)
    return np.asarray(value, dtype=float)


def numbers(text: str) -> set[float]:
    """The numbers a text writes ("3×3×1" holds 3, 3 and 1; "9,600" is 9600)."""
    return {float(n.replace(",", "")) for n in NUMBER.findall(str(text))}


def grid(spec: dict, name: str) -> np.ndarray:
    return decoded(next(t for t in spec["data"] if t.get("type") == "heatmap" and t.get("name") == name)["z"])


def interior(z: np.ndarray) -> np.ndarray:
    """A grid's values without the NaN cells where its padding is drawn."""
    rows, cols = ~np.isnan(z).all(axis=1), ~np.isnan(z).all(axis=0)
    return z[rows][:, cols]


def titles(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", [])]


def heading(spec: dict) -> str:
    return spec["layout"].get("title", {}).get("text", "")


def labels(spec: dict) -> list[str]:
    """Every text of the figure but the numbers on its cells and the row and column numbers of a grid."""
    texts = [heading(spec), *titles(spec)]
    for trace in spec["data"]:
        if trace["type"] == "table":
            texts += trace["header"]["values"] + [cell for column in trace["cells"]["values"] for cell in column]
        elif trace["type"] == "scatter" and trace.get("name") != "positions":
            texts += list(trace.get("text") or [])
        texts.append(trace.get("hovertemplate", ""))
    return texts


def leaks(spec: dict, answers, givens: set[float], unit: str = "", enumerated=()) -> list[str]:
    """The labels that write an answer's number which is no given (`enumerated`: labels such as "channel 2"
    that are one of a complete list, each number as much there as any other)."""
    wanted = set()
    for _, value in answers:
        wanted |= numbers(answer_text(value, unit))
    return [text for text in labels(spec) if text not in enumerated and (numbers(text) & wanted) - givens]


def cells_show_their_values(spec: dict) -> None:
    """Each number printed on a cell is that cell's value, as the figures write numbers."""
    for trace in spec["data"]:
        if trace["type"] != "heatmap" or not trace.get("text"):
            continue
        z = decoded(trace["z"])
        for text, value in zip(np.ravel(np.asarray(trace["text"], dtype=object)), z.ravel()):
            if text:
                written = float(text.replace("−", "-").replace("×10", "e"))
                assert written == pytest.approx(value, rel=0.06, abs=0.006), (text, value)
            else:
                assert np.isnan(value), value


def legible(spec: dict) -> None:
    """At most MAX_HEIGHT tall; numbers on cells of at least MIN_NUMBER_PX, and fitting their cells."""
    layout = spec["layout"]
    assert layout["height"] <= question_figures.MAX_HEIGHT
    if "yaxis" not in layout:
        return
    margin = layout["margin"]
    (y1, y0), (x0, x1) = layout["yaxis"]["range"], layout["xaxis"]["range"]
    cell = min((layout["height"] - margin["t"] - margin["b"]) / (y1 - y0),
               (question_figures.PLANNED_PX - margin["l"] - margin["r"]) / (x1 - x0))
    for trace in spec["data"]:
        if trace["type"] == "heatmap" and trace.get("text"):
            size = trace["textfont"]["size"]
            longest = max(len(t) for row in trace["text"] for t in row)
            assert question_figures.MIN_NUMBER_PX <= size <= cell * 0.7, (size, cell)
            assert longest * 0.56 * size <= cell * 0.93, (longest, size, cell)
    assert all(a["font"]["size"] >= question_figures.MIN_NUMBER_PX for a in layout.get("annotations", []))


def config_numbers(config) -> set[float]:
    return {float(v) for v in vars(config).values() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def hides_the_answer(spec: dict, question: str, answers, config, unit: str = "", enumerated=()) -> None:
    givens = numbers(question) | config_numbers(config)
    assert not leaks(spec, answers, givens, unit, enumerated), leaks(spec, answers, givens, unit, enumerated)
    cells_show_their_values(spec)
    legible(spec)
    assert not any("output" in text.lower() for text in labels(spec) if "output (H×W×C)" not in text)


def pads_of(size: int, kernel: int, stride: int, padding, dilation: int = 1) -> tuple[int, int]:
    """Zeros (before, after) along one axis, written out independently of the engine (test_engine_conv)."""
    return explicit_pads(size, 1, kernel, 1, (stride, 1), padding, (dilation, 1))[0]


def drawn(make_config, check):
    """The configuration Hypothesis drew, or another drawn where the engine refuses it (`check` raising
    ConvConfigError): the page then explains what to change and asks nothing."""
    try:
        config = make_config()
        check(config)
    except ConvConfigError:
        assume(False)
    return config


def random_input(channels: int, height: int, width: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 10, size=(channels, height, width)).astype(float)


# ---- Convolution: the input and the kernels; the question is the output size


def check_convolution(config: convolution.Config) -> None:
    lesson = convolution.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question, lesson.answers, config)
    z = grid(spec, "input")
    top, bottom = pads_of(config.height, config.kernel_height, config.stride, config.padding, config.dilation)
    left, right = pads_of(config.width, config.kernel_width, config.stride, config.padding, config.dilation)
    assert z.shape == (config.height + top + bottom, config.width + left + right)
    expected = engine.input_pattern(config.input_values, config.channels, config.height, config.width, config.seed)
    if config.input_values == "random integers":
        expected = random_input(config.channels, config.height, config.width, config.seed)
    np.testing.assert_array_equal(z[top:top + config.height, left:left + config.width], expected[0])
    padding = grid(spec, "padding") if top + bottom + left + right else None
    if padding is not None:
        assert np.nansum(padding == 0) == z.size - config.height * config.width
    kernel = engine.kernel_bank(config.kernel, config.kernels, config.channels, config.kernel_height,
                                config.kernel_width, config.seed)[0, 0]
    np.testing.assert_array_equal(grid(spec, "kernel"), kernel)
    shown = " ".join(titles(spec))
    assert f"{config.height}×{config.width}×{config.channels}" in shown
    assert f"{config.kernel_height}×{config.kernel_width}×{config.channels}" in shown
    assert (f"{config.kernels} kernels" in shown) == (config.kernels > 1)
    assert f"stride {config.stride}" in heading(spec) and f"dilation {config.dilation}" in heading(spec)


def test_convolution_at_the_lectures_example():
    spec = spec_of(convolution.build().question_figure)
    np.testing.assert_array_equal(grid(spec, "kernel"), [[1, 0, -1], [2, 0, -2], [1, 0, -1]])  # the lecture's Sobel
    assert [t.replace("<b>", "").replace("</b>", "") for t in titles(spec)] == ["input<br>5×5×1", "kernel<br>3×3×1"]
    assert len([t for t in spec["data"] if t["type"] == "heatmap"]) == 2  # no output grid
    check_convolution(convolution.Config())


@SETTINGS
@given(height=st.integers(2, 16), width=st.integers(2, 16), channels=st.integers(1, 4), kernel_height=st.integers(1, 7),
       kernel_width=st.integers(1, 7), kernels=st.integers(1, 4), kernel=st.sampled_from(engine.KERNEL_PRESETS),
       input_values=st.sampled_from(engine.INPUT_PATTERNS), operation=st.sampled_from(["correlation", "convolution"]),
       seed=st.integers(0, 99), stride=st.integers(1, 3), padding=PADDINGS, dilation=st.integers(1, 3))
def test_convolution_at_any_configuration(**settings):
    check_convolution(drawn(lambda: convolution.Config(**settings), convolution.build))


# ---- Spatially separable: the input, the kernel, its column and row; the question is both routes' counts


def check_separable(config: separable.Config) -> None:
    lesson = separable.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question.text, lesson.question.fields, config)
    kernel = config.kernel_values()
    kh, kw = kernel.shape
    np.testing.assert_array_equal(grid(spec, "kernel"), kernel)
    column, row = grid(spec, "column"), grid(spec, "row")
    assert column.shape == (kh, 1) and row.shape == (1, kw)
    if engine.kernel_rank(kernel) == 1:  # the two passes' factors give the kernel back
        np.testing.assert_allclose(column @ row, kernel, atol=1e-9 * np.abs(kernel).max())
    z = grid(spec, "input")
    expected = engine.input_pattern(config.pattern, 1, config.height, config.width, config.seed)[0]
    if config.pattern == "random integers":
        expected = random_input(1, config.height, config.width, config.seed)[0]
    np.testing.assert_array_equal(interior(z), expected)
    top, bottom = pads_of(config.height, kh, config.stride, config.padding)
    left, right = pads_of(config.width, kw, config.stride, config.padding)
    assert z.shape == (config.height + top + bottom, config.width + left + right)
    shown = " ".join(titles(spec))
    assert all(size in shown for size in (f"{config.height}×{config.width}", f"{kh}×{kw}", f"{kh}×1", f"1×{kw}"))
    assert f"stride {config.stride}" in heading(spec)


def test_spatially_separable_at_the_lectures_example():
    spec = spec_of(separable.build(separable.Config()).question_figure)
    np.testing.assert_array_equal(grid(spec, "column").ravel(), [1, 2, 1])  # [1, 2, 1]ᵀ × [1, 0, −1]
    np.testing.assert_array_equal(grid(spec, "row").ravel(), [1, 0, -1])
    check_separable(separable.Config())


@SETTINGS
@given(kernel=st.sampled_from(separable.KERNELS[:-1]), random_size=st.integers(2, 7), height=st.integers(2, 16),
       width=st.integers(2, 16), pattern=st.sampled_from(engine.INPUT_PATTERNS), seed=st.integers(0, 99),
       stride=st.integers(1, 3), padding=PADDINGS, operation=st.sampled_from(["correlation", "convolution"]))
def test_spatially_separable_at_any_configuration(**settings):
    check_separable(drawn(lambda: separable.Config(**settings), lambda config: engine.plan(
        (config.height, config.width), config.kernel_values().shape, config.stride, config.padding)))


# ---- Depthwise: the input volume and the kernels; the question is the multiplications


def sheets(spec: dict) -> int:
    """The sheets drawn behind the front ones (outlines on the layer below the grids)."""
    return sum(1 for shape in spec["layout"]["shapes"] if shape["layer"] == "below" and shape.get("fillcolor")
               and shape["line"].get("width", 0) > 0)


def check_depthwise(config: depthwise.Config) -> None:
    lesson = depthwise.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question, lesson.answers, config)
    maps = config.channels * config.multiplier
    expected = engine.input_pattern(config.pattern, config.channels, config.height, config.width, config.seed)
    if config.pattern == "random integers":
        expected = random_input(config.channels, config.height, config.width, config.seed)
    np.testing.assert_array_equal(interior(grid(spec, "input channel 1")), expected[0])
    kernel = engine.kernel_bank(config.kernel, maps, 1, config.kernel_size, config.kernel_size, config.seed)[0, 0]
    np.testing.assert_array_equal(grid(spec, "kernel 1"), kernel)
    behind = min(config.channels, question_figures.MOST_SHEETS) - 1 + min(maps, question_figures.MOST_SHEETS) - 1
    assert sheets(spec) == behind
    shown = " ".join(titles(spec))
    assert f"{config.height}×{config.width}×{config.channels}" in shown
    assert f"{config.kernel_size}×{config.kernel_size}×1" in shown
    assert (f"{config.channels} kernel" in shown and "one per channel" in shown if config.multiplier == 1
            else f"{config.multiplier} per channel" in shown)
    assert f"stride {config.stride}" in heading(spec) and f"dilation {config.dilation}" in heading(spec)


def test_depthwise_at_the_lectures_example():
    spec = spec_of(depthwise.build(depthwise.Config()).question_figure)
    assert "6×6×16" in " ".join(titles(spec)) and "16 kernels" in " ".join(titles(spec))
    assert "576" not in json.dumps(spec) and "2,304" not in json.dumps(spec)  # 4×4 positions × 9 × 16 = 2,304
    check_depthwise(depthwise.Config())


@SETTINGS
@given(height=st.integers(2, 8), width=st.integers(2, 8), channels=st.integers(1, 16), kernel_size=st.integers(1, 5),
       multiplier=st.integers(1, 3), pattern=st.sampled_from(engine.INPUT_PATTERNS),
       kernel=st.sampled_from(engine.KERNEL_PRESETS), seed=st.integers(0, 99), stride=st.integers(1, 3),
       padding=st.sampled_from([0, 1, 2, "same"]), dilation=st.integers(1, 3))
def test_depthwise_at_any_configuration(**settings):
    check_depthwise(drawn(lambda: depthwise.Config(**settings), depthwise.build))


# ---- Pointwise: the depthwise maps and the 1×1×C kernels; the question is the multiplications


def check_pointwise(config: pointwise.Config) -> None:
    lesson = pointwise.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question, lesson.answers, config)
    example = lesson.example  # the maps are the depthwise stage's output: worked out again here, channel 1
    k = config.kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(example.x[0], (k, k))
    np.testing.assert_allclose(grid(spec, "depthwise map 1"), np.einsum("ijkl,kl->ij", windows, example.depthwise[0]))
    np.testing.assert_array_equal(grid(spec, "kernel 1, channel 1"), example.pointwise[:1, :1])
    shown = " ".join(titles(spec))
    assert f"{config.height}×{config.width}×{config.channels}" in shown
    assert f"{config.kernels} kernel" in shown and f"1×1×{config.channels}" in shown


def test_pointwise_at_the_lectures_example():
    spec = spec_of(pointwise.build(pointwise.Config()).question_figure)
    assert "9,600" not in json.dumps(spec) and "9600" not in json.dumps(spec)
    check_pointwise(pointwise.Config())


@SETTINGS
@given(height=st.integers(2, 8), width=st.integers(2, 8), channels=st.integers(1, 8), kernel_size=st.integers(1, 5),
       kernels=st.integers(1, 256), seed=st.integers(0, 99))
def test_pointwise_at_any_configuration(**settings):
    check_pointwise(pointwise.Config(**settings))


# ---- Depthwise separable: the input volume and both stages' kernels by their shapes; the question is the total


def check_depthwise_separable(config: depthwise_separable.Config) -> None:
    lesson = depthwise_separable.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question, [("Multiplications", lesson.separable.multiplications)], config)
    k = config.kernel_size
    top, bottom = pads_of(config.height, k, config.stride, config.padding)
    left, right = pads_of(config.width, k, config.stride, config.padding)
    assert grid(spec, "input").shape == (config.height + top + bottom, config.width + left + right)
    assert grid(spec, "depthwise kernel").shape == (k, k) and grid(spec, "pointwise kernel").shape == (1, 1)
    shown = " ".join(titles(spec))
    assert f"{config.height}×{config.width}×{config.channels}" in shown
    assert f"{config.channels} × {k}×{k}×1" in shown and f"{config.kernels} × 1×1×{config.channels}" in shown
    assert f"stride {config.stride}" in heading(spec)


def test_depthwise_separable_at_the_lectures_tables():
    for config in (depthwise_separable.LECTURE_TABLE_1, depthwise_separable.LECTURE_TABLE_2):
        text = json.dumps(spec_of(depthwise_separable.build(config).question_figure))
        assert not any(count in text for count in ("10,275", "10275", "675", "9,600", "53,952", "4,800", "49,152"))
        check_depthwise_separable(config)


@SETTINGS
@given(height=st.integers(3, 64), width=st.integers(3, 64), channels=st.integers(1, 64), kernel_size=st.integers(1, 7),
       kernels=st.integers(1, 512), stride=st.integers(1, 3), padding=st.sampled_from([0, 1, 2, 3, "same"]))
def test_depthwise_separable_at_any_configuration(**settings):
    check_depthwise_separable(drawn(lambda: depthwise_separable.Config(**settings), lambda config: engine.plan(
        (config.height, config.width), config.kernel_size, config.stride, config.padding)))


# ---- Flattening: the volume, its rows and columns numbered, no values, no vector; the question is the cell


def check_flattening(config: flattening.Config) -> None:
    lesson = flattening.build(config)
    spec = spec_of(lesson.question_figure)
    channel_titles = [f"<b>channel {c + 1}</b>" for c in range(config.channels)]
    assert titles(spec) == channel_titles  # one grid per channel, in order
    hides_the_answer(spec, lesson.question, lesson.answers, config, enumerated=channel_titles)
    for c in range(config.channels):
        assert grid(spec, f"channel {c + 1}").shape == (config.height, config.width)
    rows, columns = [str(r) for r in range(1, config.height + 1)], [str(w) for w in range(1, config.width + 1)]
    for trace in (t for t in spec["data"] if t.get("name") == "positions"):
        assert trace["text"] == rows + columns  # every row and column numbered alike: none singled out
    assert not any(t.get("text") for t in spec["data"] if t["type"] == "heatmap")  # counting 1, 2, 3 would tell
    assert all(str(n) in heading(spec) for n in (f"{config.height}×{config.width}×{config.channels}", config.order,
                                                 f"entry {config.entry}"))


def test_flattening_at_its_example():
    check_flattening(flattening.Config())


@SETTINGS
@given(channels=st.integers(1, 4), height=st.integers(1, 5), width=st.integers(1, 5),
       values=st.sampled_from(flattening.VALUES), order=st.sampled_from(["CHW", "HWC"]), entry=st.integers(1, 100))
def test_flattening_at_any_configuration(channels, height, width, values, order, entry):
    check_flattening(flattening.Config(channels=channels, height=height, width=width, values=values, order=order,
                                       entry=(entry - 1) % (channels * height * width) + 1))


# ---- Network costs: each layer's shapes; the question is the 1×1 convolutions' share


@pytest.mark.parametrize("alpha", network_costs.ALPHAS)
@pytest.mark.parametrize("resolution", network_costs.RESOLUTIONS)
def test_network_costs_shows_every_layers_shapes_and_no_share(alpha, resolution):
    config = network_costs.Config(alpha=alpha, resolution=resolution)
    lesson = network_costs.build(config)
    spec = spec_of(lesson.question_figure)
    hides_the_answer(spec, lesson.question, [("Share", lesson.pointwise_percent)], config, unit="%")
    table = next(t for t in spec["data"] if t["type"] == "table")
    header = [h.replace("<b>", "").replace("</b>", "") for h in table["header"]["values"]]
    assert header == ["layer", "type", "stride", "input (H×W×C)", "kernel", "output (H×W×C)"]  # no mult-adds
    columns = dict(zip(header, table["cells"]["values"]))
    layers = engine.mobilenet_v1(alpha, resolution)
    assert columns["input (H×W×C)"] == [f"{s[1]}×{s[2]}×{s[0]}" if len(s) == 3 else f"1×1×{s[0]}"
                                        for s in (layer.in_shape for layer in layers)]
    assert columns["layer"] == [layer.name for layer in layers]
    assert not any("%" in text for text in labels(spec))


# ---- the check itself


def test_the_check_finds_the_answer_in_a_figure_that_shows_it():
    """The page's own scan draws the output grid, titled with its size: the check must see it."""
    config = convolution.Config(height=7, width=6, kernel_height=3, kernel_width=2)  # output 5×5: no given is 5
    lesson = convolution.build(config)
    spec = json.loads(pio.to_json(lesson.figure, validate=False))
    givens = numbers(lesson.question) | config_numbers(config)
    assert 5 not in givens and leaks(spec, lesson.answers, givens)
    assert not leaks(spec_of(lesson.question_figure), lesson.answers, givens)
