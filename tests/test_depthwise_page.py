"""The Depthwise page and its figures: the lecture's 6x6x16 example, counts per kernel and in all, a few
channels drawn large in their own colours and the others summed up in words."""

import json
import re

import numpy as np
import plotly.io as pio
import pytest

import engine
from test_pages import open_page
from viz import style
from viz.depthwise import depthwise_scan_figure
from viz.volume3d import volume_scan_figure
from conftest import assert_plotly_js_ready

PAGE = "pages/depthwise.py"


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_the_lectures_example_is_the_default():
    at = open_page(PAGE)
    values = metrics(at)
    cost = engine.depthwise_cost((16, 6, 6), 3)
    assert values["Output"] == "4×4×16"
    assert int(values["All kernels"].replace(",", "")) == cost.multiplications == 16 * 4 * 4 * 9
    assert int(values["Multiplications per kernel"]) == 4 * 4 * 9
    assert int(values["Parameters"]) == 16 * 3 * 3
    assert any("4×4×16" in h.value for h in at.subheader)
    assert len(at.get("plotly_chart")) == 2


def test_custom_sizes_with_a_depth_multiplier():
    at = open_page(PAGE, {"preset": "custom (use the sliders)", "c": "3", "h": "7", "w": "6", "m": "2", "pad": "1",
                          "stride": "2"})
    cost = engine.depthwise_cost((3, 7, 6), 3, 2, 2, 1)
    values = metrics(at)
    assert int(values["All kernels"].replace(",", "")) == cost.multiplications
    assert values["Output"] == f"{cost.out_shape[1]}×{cost.out_shape[2]}×6"


def test_impossible_sizes_are_explained():
    at = open_page(PAGE, {"preset": "custom (use the sliders)", "h": "2", "w": "2", "k": "5"})
    assert not at.exception and "cannot be computed" in at.error[0].value


@pytest.mark.parametrize("c, m, k, pad, dil", [(1, 1, 3, 0, 1), (3, 2, 3, 1, 1), (4, 1, 2, "same", 2), (16, 3, 1, 2, 1)])
def test_scan_frames_cover_every_position_and_count_like_the_engine(c, m, k, pad, dil):
    rng = np.random.default_rng(c)
    x, w = rng.integers(0, 9, size=(c, 6, 6)).astype(float), rng.integers(-2, 3, size=(c * m, k, k)).astype(float)
    trace = engine.depthwise_trace(x, w, 1, pad, dil)
    np.testing.assert_allclose(trace.output, engine.depthwise_conv2d(x, w, 1, pad, dil))
    spec = json.loads(pio.to_json(depthwise_scan_figure(trace), validate=False))
    cost = engine.depthwise_cost((c, 6, 6), k, m, 1, pad, dil)
    assert len(spec["frames"]) == cost.out_shape[1] * cost.out_shape[2] == trace.steps
    last = spec["layout"]["sliders"][0]["steps"][-1]["label"]
    assert last.endswith(f"{cost.multiplications:,} multiplications")
    for frame in spec["frames"]:
        assert "data" not in frame  # the grids are never sent again
    heatmaps = [t for t in spec["data"] if t["type"] == "heatmap"]
    shown = sum(t["name"].startswith("input channel ") for t in heatmaps)
    assert 1 <= shown <= min(c, 4)
    assert sum(t["name"].startswith("map ") for t in heatmaps) == sum(t["name"].startswith("kernel ") for t in heatmaps)
    assert sum(t["name"].startswith("map ") for t in heatmaps) == shown * m  # every drawn channel's maps


def drawn_channels(figure) -> int:
    return sum(t["type"] == "heatmap" and t["name"].startswith("input channel ") for t in figure.to_dict()["data"])


def figure_texts(figure) -> list[str]:
    spec = figure.to_dict()
    texts = [a.get("text", "") for a in spec["layout"]["annotations"]]
    return texts + [f["layout"]["annotations[0].text"] for f in spec["frames"]]


@pytest.mark.parametrize("c, h, k", [(16, 6, 3), (3, 5, 3), (4, 8, 3), (3, 8, 1), (2, 6, 3), (1, 6, 3), (9, 8, 5)])
def test_the_channels_not_drawn_are_counted_in_words(c, h, k):
    x = np.arange(c * h * h, dtype=float).reshape(c, h, h) % 7
    w = np.ones((c, k, k))
    figure = depthwise_scan_figure(engine.depthwise_trace(x, w))
    shown = drawn_channels(figure)
    caption = figure.to_dict()["frames"][0]["layout"]["annotations[0].text"]
    more = c - shown
    if more == 0:
        assert "more channel" not in caption
    else:
        assert f"… and {more} more channel{'s' if more > 1 else ''} (" in caption
        first = f"channel {shown + 1}" if more == 1 else f"channels {shown + 1} {'and' if more == 2 else 'to'} {c}"
        assert f"({first})" in caption
        assert "the same scan" in caption
    for text in figure_texts(figure):  # never "maps 3 to 3": a range has two ends
        assert not re.search(r"(\d+) (?:to|and) \1\b", text), text


def test_the_lecture_draws_a_few_channels_large():
    figure = build_lecture_scan()
    assert 2 <= drawn_channels(figure) <= 4
    assert "all 16 kernels: 144 of 2,304 multiplications" in figure.to_dict()["frames"][0]["layout"]["annotations[0].text"]


def test_custom_three_channels_are_all_drawn_side_by_side():
    """5×5×3 (the custom start): all three channels, in one row, so the figure fits a laptop's screen."""
    x = np.arange(75, dtype=float).reshape(3, 5, 5) % 9
    spec = depthwise_scan_figure(engine.depthwise_trace(x, np.ones((3, 3, 3)))).to_dict()
    inputs = [t for t in spec["data"] if t["type"] == "heatmap" and t["name"].startswith("input channel ")]
    assert len(inputs) == 3
    assert len({t["y0"] for t in inputs}) == 1  # one row
    assert sorted(t["x0"] for t in inputs) == [t["x0"] for t in inputs]  # channel 1 left
    assert spec["layout"]["height"] <= 760


def build_lecture_scan():
    from lessons.depthwise import Config, build
    return build(Config()).scan


def test_every_drawn_grid_is_outlined_and_titled_in_its_channels_colour():
    x = np.random.default_rng(3).integers(0, 9, size=(3, 5, 5)).astype(float)
    m = 2
    spec = depthwise_scan_figure(engine.depthwise_trace(x, np.ones((3 * m, 2, 2)))).to_dict()
    heatmaps = {t["name"]: t for t in spec["data"] if t["type"] == "heatmap"}
    outlines = [s for s in spec["layout"]["shapes"] if s["type"] == "rect" and s.get("xref") == "x"]
    titles = {re.sub("<[^>]+>", "", a["text"]): a for a in spec["layout"]["annotations"][1:]}
    shown = sum(name.startswith("input channel ") for name in heatmaps)
    for c in range(shown):
        grids = [f"input channel {c + 1}"] + [f"{what} {j + 1}" for j in range(c * m, c * m + m)
                                              for what in ("kernel", "map")]
        for name in grids:
            grid = heatmaps[name]
            _, cols = map(int, grid["z"]["shape"].split(", "))  # a typed array
            box = [o for o in outlines if o["x0"] == grid["x0"] - 0.5 and o["y0"] == grid["y0"] - 0.5
                   and o["x1"] == grid["x0"] + cols - 0.5]
            assert box, name
            assert box[0]["line"]["color"] == style.channel_colour(c), name
            assert box[0]["line"]["dash"] == style.channel_dash(c), name
        assert titles[f"channel {c + 1} → maps {c * m + 1} to {c * m + m}"]["font"]["color"] == style.channel_colour(c)
        for j in range(c * m, c * m + m):
            assert titles[f"kernel {j + 1}"]["font"]["color"] == style.channel_colour(c)
            assert titles[f"map {j + 1}"]["font"]["color"] == style.channel_colour(c)
        assert grid["colorscale"] == style.DIVERGING  # the cells keep their values' colours


def test_depthwise_figure_passes_plotly_validation():
    import plotly.graph_objects as go

    x = np.random.default_rng(0).integers(0, 9, size=(3, 6, 6)).astype(float)
    w = np.ones((6, 3, 3))
    spec = json.loads(pio.to_json(depthwise_scan_figure(engine.depthwise_trace(x, w, 1, 1, 2)), validate=False))
    layout = dict(spec["layout"])
    layout.pop("sliders")
    go.Figure(data=spec["data"], layout=layout)


def test_the_greyed_sliders_show_the_lectures_sizes():
    at = open_page(PAGE)
    shown = {s.label: s.value for s in at.slider if s.disabled}
    assert shown == {"Input height": 6, "Input width": 6, "Input channels": 16, "Kernel size": 3}
    assert not at.slider(key="m").disabled


def test_custom_takes_the_students_sliders():
    at = open_page(PAGE, {"preset": "custom (use the sliders)", "c": "3", "h": "5", "w": "5"})
    assert not any(s.disabled for s in at.slider)
    assert at.slider(key="c").value == 3
    assert metrics(at)["Output"] == "3×3×3"


def test_the_lectures_scan_is_planned_for_a_wide_screen_and_a_projector():
    """The figure's own plan (the browser tests measure the drawn page): numbers of 14 px or more on a
    screen; in presenter mode, as ui enlarges it, numbers of 18 px or more in a chart of 700 px or less."""
    from lessons.depthwise import Config, build
    from ui.classroom import PRESENTER_SCALE

    scan = build(Config()).scan
    fonts = [t["textfont"]["size"] for t in scan.to_dict()["data"] if t["type"] == "heatmap"]
    assert min(fonts) >= 14
    projected = scan.enlarged(PRESENTER_SCALE).to_dict()
    assert projected["layout"]["height"] <= 700
    assert min(t["textfont"]["size"] for t in projected["data"] if t["type"] == "heatmap") >= 18
    assert projected["frames"] is scan.frames or len(projected["frames"]) == 16
