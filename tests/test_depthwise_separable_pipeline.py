"""The Depthwise separable page's pipeline animation (viz.pipeline through lessons.depthwise_separable):
its counts against the lecture's printed tables and a plain loop, its maps against scipy and the engine,
the standard convolution with W = P·D, one colour per channel, its size and plotly.py's validation."""

import copy
import json
import pickle
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from scipy.signal import correlate2d
from test_viz_scan import decode

import engine
from lessons.depthwise_separable import LECTURE_TABLE_1, LECTURE_TABLE_2, Config, build, shown_pipeline
from lessons.examples import separable_example
from viz import style
from viz.animated import as_text
from viz.pipeline import PipelineFigure

# The lecture's printed tables: (layer, depthwise, pointwise, depthwise separable, standard multiplications)
LECTURE = [(LECTURE_TABLE_1, 675, 9_600, 10_275, 86_400), (LECTURE_TABLE_2, 4_800, 49_152, 53_952, 1_228_800)]
LARGEST = Config(height=64, width=64, channels=64, kernel_size=7, kernels=512, stride=3, padding=3)
COUNTS = re.compile(r"depthwise \+ pointwise = ([\d,]+) \+ ([\d,]+) = ([\d,]+) against ([\d,]+)")


def spec(figure):
    return json.loads(pio.to_json(figure, validate=False))


def caption(frame) -> str:
    return as_text(frame["layout"]["annotations[0].text"])


def counts(frame) -> tuple[int, ...]:
    found = COUNTS.search(caption(frame))
    assert found, caption(frame)
    return tuple(int(g.replace(",", "")) for g in found.groups())


def trace(data, name):
    return next(t for t in data if t.get("name") == name)


@pytest.mark.parametrize("config, depthwise, pointwise, separable, standard", LECTURE)
def test_the_last_step_ends_at_the_lectures_totals(config, depthwise, pointwise, separable, standard):
    figure = build(config).pipeline_figure
    out = 5 if config is LECTURE_TABLE_1 else 8
    assert figure.step_count == out * out  # one step per output position, at the lecture's own size
    last = figure.frames[-1]
    assert counts(last) == (depthwise, pointwise, separable, standard)
    assert f"{depthwise:,} + {pointwise:,} = {separable:,} against {standard:,}" in caption(last)
    assert figure.step_labels[-1].startswith(f"{out * out}/{out * out}")
    assert f"{separable:,} against {standard:,}" in figure.step_labels[-1]
    more = config.kernels - 4
    assert any(f"… and {more} more kernels" in a.get("text", "") for a in figure.to_dict()["layout"]["annotations"])


@pytest.mark.parametrize("config", [LECTURE_TABLE_1, LECTURE_TABLE_2,
                                    Config(height=6, width=7, channels=2, kernel_size=3, kernels=3, stride=2,
                                           padding=1)])
def test_every_step_counts_what_a_plain_loop_has_multiplied_so_far(config):
    """A loop over the output positions, one multiplication at a time, row by row as the animation goes."""
    shown = shown_pipeline(config)
    channels, _, _ = shown.in_shape
    kernels, out_h, out_w = shown.standard.out_shape
    k = config.kernel_size
    frames = shown.figure.frames
    assert len(frames) == out_h * out_w
    depthwise = pointwise = standard = 0
    for s in range(out_h * out_w):
        for _c in range(channels):
            for _i in range(k * k):
                depthwise += 1  # a depthwise kernel's weight times its channel's value
        for _n in range(kernels):
            for _c in range(channels):
                pointwise += 1  # a pointwise weight times a depthwise map's value
        standard += kernels * channels * k * k  # every kernel's weights times the window's values
        assert counts(frames[s]) == (depthwise, pointwise, depthwise + pointwise, standard), s
        r, c = divmod(s, out_w)
        assert f"position ({r + 1}, {c + 1})" in shown.figure.step_labels[s]


@pytest.mark.parametrize("config", [LECTURE_TABLE_1, LECTURE_TABLE_2,
                                    Config(height=9, width=8, channels=2, kernel_size=3, kernels=2, stride=2,
                                           padding="same")])
def test_the_drawn_maps_are_scipy_and_the_engine_and_the_standard_output_equals_them(config):
    shown = shown_pipeline(config)
    data = shown.figure.to_dict()["data"]
    example = shown.example
    channels = shown.in_shape[0]
    x, d, p = example.x, example.depthwise, example.pointwise
    pads = engine.plan(x.shape[1:], config.kernel_size, config.stride, config.padding).pads
    padded = np.pad(x, ((0, 0), *pads))
    s = config.stride
    for c in range(channels):
        oracle = correlate2d(padded[c], d[c], mode="valid")[::s, ::s]  # scipy on one channel at a time
        drawn = decode(trace(data, f"depthwise map {c + 1}")["z"])
        assert np.array_equal(drawn, oracle)
        assert np.array_equal(decode(trace(data, f"depthwise kernel {c + 1}")["z"]), d[c])
        assert np.array_equal(decode(trace(data, f"input channel {c + 1}")["z"])[pads[0][0]:padded.shape[1] - pads[0][1],
                              pads[1][0]:padded.shape[2] - pads[1][1]], x[c])
    maps = engine.depthwise_conv2d(x, d, config.stride, config.padding)
    outputs = engine.pointwise_conv2d(maps, p)
    standard = engine.conv2d(x, engine.equivalent_kernel(d, p), config.stride, config.padding)
    assert np.allclose(outputs, standard)
    for n in range(min(4, config.kernels)):
        assert np.array_equal(decode(trace(data, f"output map {n + 1}")["z"]), outputs[n])
        assert np.array_equal(decode(trace(data, f"standard map {n + 1}")["z"]), outputs[n])
        assert np.array_equal(decode(trace(data, f"pointwise kernel {n + 1}")["z"]), p[n:n + 1])
        for c in range(channels):  # W[n, c] = P[n, c] · D[c]
            w = decode(trace(data, f"standard kernel {n + 1} channel {c + 1}")["z"])
            assert np.array_equal(w, p[n, c] * d[c])
    assert build(config).pipeline_check.holds
    # the same numbers the Depthwise and Pointwise pages draw
    same = separable_example(*shown.in_shape[1:], channels, config.kernel_size, config.kernels, 0, config.stride,
                             config.padding)
    for name in ("x", "depthwise", "pointwise", "output", "standard"):  # by value: the cache may have dropped it
        assert np.array_equal(getattr(same, name), getattr(example, name)), name


def test_each_step_writes_the_values_at_its_position():
    shown = shown_pipeline(LECTURE_TABLE_1)
    example = shown.example
    for s in (0, 7, 24):
        r, c = divmod(s, 5)
        text = caption(shown.figure.frames[s])
        values = [style.ascii_number(v) for v in example.depthwise_maps[:, r, c]]
        assert f"depthwise maps: ch 1: {values[0]}, ch 2: {values[1]}, ch 3: {values[2]}" in text
        written = re.search(r"pointwise kernel 1: [^=;]* = (-?\d+)", text).group(1)
        assert int(written) == example.output[0, r, c]
        standard = re.search(r"standard, W = P·D: ([-\d, ]+): the same", text).group(1)
        assert [int(v) for v in standard.split(", ")] == [int(v) for v in example.standard_maps[:4, r, c]]


def test_each_channel_keeps_its_colour():
    figure = build(LECTURE_TABLE_1).pipeline_figure
    layout = figure.to_dict()["layout"]
    shapes = layout["shapes"]
    for c in range(3):
        colour = style.channel_colour(c)
        outlined = [s for s in shapes if s.get("line", {}).get("color") == colour]
        # its input, its depthwise kernel, its map, its weight in the 4 pointwise kernels, its slice of 4 W's
        assert len(outlined) == 3 + 4 + 4
        assert all(s["line"]["dash"] == style.channel_dash(c) for s in outlined)
        labels = [a for a in layout["annotations"] if colour in a.get("text", "") or
                  a.get("font", {}).get("color") == colour]
        assert any(f"channel {c + 1}" in a["text"] for a in labels)
        assert f"<span style='color:{colour}'>ch {c + 1}:" in figure.frames[0]["layout"]["annotations[0].text"]
    assert any("One colour per channel" in a.get("text", "") for a in layout["annotations"])


@pytest.mark.parametrize("config", [LARGEST, Config(height=64, width=64, channels=64, kernel_size=1, kernels=512,
                                                    padding=3)])
def test_the_largest_settings_stay_under_a_megabyte_cut_down(config):
    shown = shown_pipeline(config)
    assert shown.in_shape == (3, 12, 12)
    text = build(config).pipeline_text
    assert "cut down to **12×12×3** (of 64×64×64)" in text and "all 512 kernels" in text
    for figure in (shown.figure, shown.figure.enlarged(1.35)):
        assert len(json.dumps(spec(figure))) < 1_000_000


@pytest.mark.parametrize("config", [LECTURE_TABLE_1, LECTURE_TABLE_2,
                                    Config(height=8, width=8, channels=2, kernel_size=3, kernels=2, padding=1)])
def test_the_figure_passes_plotly_validation_at_every_step_and_in_presenter_mode(config):
    figure = build(config).pipeline_figure
    for drawn in (figure, figure.at_step(figure.step_count - 1), figure.enlarged(1.35),
                  figure.at_step(3).enlarged(1.35)):
        layout = dict(spec(drawn)["layout"])
        layout.pop("sliders")  # steps are plain dicts checked in the browser
        go.Figure(data=spec(drawn)["data"], layout=layout)  # raises on any invalid property


def test_presenter_mode_gets_its_own_layout_within_a_720_px_screen():
    figure = build(LECTURE_TABLE_2).pipeline_figure
    big = figure.enlarged(1.35).to_dict()
    assert big["layout"]["height"] <= 700
    numbers = [t["textfont"]["size"] for t in big["data"] if t.get("text") is not None]
    assert numbers and min(numbers) >= 18
    screen = [t["textfont"]["size"] for t in figure.to_dict()["data"] if t.get("text") is not None]
    assert min(screen) >= 14
    assert len(big["frames"]) == figure.step_count
    # a link's step survives in presenter mode: the projector's figure opens at it too
    moved = figure.at_step(10)
    assert isinstance(moved, PipelineFigure) and moved.enlarged(1.35).active_step == 10


def test_a_pipeline_survives_copy_deepcopy_and_pickle():
    figure = build(LECTURE_TABLE_1).pipeline_figure
    before = json.dumps(figure.to_dict(), sort_keys=True)
    presenter = json.dumps(figure.enlarged(1.35).to_dict(), sort_keys=True)
    for twin in (copy.copy(figure), copy.deepcopy(figure), pickle.loads(pickle.dumps(figure))):
        assert type(twin) is PipelineFigure
        assert json.dumps(twin.to_dict(), sort_keys=True) == before
        assert json.dumps(twin.enlarged(1.35).to_dict(), sort_keys=True) == presenter
