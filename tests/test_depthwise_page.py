"""The Depthwise page and its figures: the lecture's 6x6x16 example, counts per kernel and in all."""

import json

import numpy as np
import plotly.io as pio
import pytest

import engine
from test_pages import open_page
from viz.depthwise import depthwise_scan_figure, volumes_figure
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
    assert sum(t["name"].startswith("map ") for t in heatmaps) == c * m


def test_volumes_figure_has_a_sheet_per_channel_kernel_and_map():
    x = np.ones((4, 6, 6))
    w = np.ones((8, 3, 3))
    out = engine.depthwise_conv2d(x, w)
    fig = volumes_figure(x, w, out, 2)
    meshes = [t for t in fig.data if t.type == "mesh3d"]
    assert len(meshes) == 3
    assert [len(m.i) // 2 for m in meshes] == [4 * 36, 8 * 9, 8 * 16]  # two triangles per cell
    labels = [t for t in fig.data if t.type == "scatter3d"][0].text
    assert list(labels) == ["input 6×6×4", "8 kernels 3×3×1", "output 4×4×8"]


def test_depthwise_figure_passes_plotly_validation():
    import plotly.graph_objects as go

    x = np.random.default_rng(0).integers(0, 9, size=(3, 6, 6)).astype(float)
    w = np.ones((6, 3, 3))
    spec = json.loads(pio.to_json(depthwise_scan_figure(engine.depthwise_trace(x, w, 1, 1, 2)), validate=False))
    layout = dict(spec["layout"])
    layout.pop("sliders")
    go.Figure(data=spec["data"], layout=layout)


def test_volumes_figure_passes_plotly_validation():
    """Built from plain dicts without plotly.py's checks (for speed); plotly.py must accept it."""
    x = np.random.default_rng(1).integers(-3, 4, size=(3, 5, 4)).astype(float)
    w = np.random.default_rng(2).integers(-2, 3, size=(6, 3, 3)).astype(float)
    spec = json.loads(pio.to_json(volumes_figure(x, w, engine.depthwise_conv2d(x, w), 2), validate=False))
    assert_plotly_js_ready(spec)


def test_the_lecture_preset_locks_the_size_sliders():
    at = open_page(PAGE)
    assert all(at.slider(key=key).disabled for key in ("h", "w", "c", "k"))
    assert not at.slider(key="m").disabled
