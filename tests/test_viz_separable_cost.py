"""Figures of the Depthwise separable page: the ratio curves, the groups bars, the equivalent kernel."""

import json

import numpy as np
import plotly.io as pio
import pytest

import engine
from test_viz_scan import decode
from viz import separable_cost as viz_cost
from viz import style


def spec(fig):
    """The figure as the browser receives it (arrays possibly base64-encoded)."""
    return json.loads(pio.to_json(fig, validate=False))


def curves(fig):
    return {t["name"]: t for t in spec(fig)["data"]}


@pytest.mark.parametrize("n, k", [(128, 3), (256, 5), (1, 1), (512, 7), (16, 4), (3, 2)])
def test_ratio_curves_are_one_over_n_plus_one_over_k_squared(n, k):
    ratio = (n * k * k + n * 1) / (n * k * k)  # any number: only its placement is checked below
    traces = curves(viz_cost.ratio_figure(n, k, ratio))
    sizes = sorted({1, 3, 5, 7, k})
    for size in sizes:
        trace = traces[f"k = {size}: 1/N + 1/{size * size}"]
        x, y = decode(trace["x"]).astype(float), decode(trace["y"]).astype(float)
        assert x[0] == 1 and x[-1] == 1024 and len(x) == 1024
        independent = np.array([1 / v + 1 / size ** 2 for v in range(1, 1025)])
        np.testing.assert_allclose(y, independent, rtol=0, atol=1e-15)
    assert len([t for t in traces if t.startswith("k = ")]) == len(sizes)


def test_the_current_layer_is_marked_where_the_engine_puts_it():
    standard = engine.standard_cost((3, 7, 7), 3, 128)
    separable = engine.depthwise_separable_cost((3, 7, 7), 3, 128)
    ratio = separable.multiplications / standard.multiplications
    fig = viz_cost.ratio_figure(128, 3, ratio)
    marker = curves(fig)["this layer"]
    assert decode(marker["x"]).tolist() == [128]
    assert decode(marker["y"])[0] == pytest.approx(1 / 128 + 1 / 9, abs=1e-15)
    assert "N = 128" in marker["text"][0] and "k = 3" in marker["text"][0]
    layout = spec(fig)["layout"]
    label = next(a for a in layout["annotations"] if a.get("name") == "this layer")
    # annotations on log axes are placed in powers of ten
    assert (label["x"], label["y"]) == (pytest.approx(np.log10(128)), pytest.approx(np.log10(ratio)))
    assert label["text"] == marker["text"][0]
    assert layout["xaxis"]["type"] == "log"
    low, high = layout["xaxis"]["range"]
    assert low <= 0 and high >= np.log10(1024), "N = 1 and N = 1024 both shown"
    # the marker stays inside the plotted range
    assert layout["yaxis"]["range"][1] > ratio


def test_the_current_kernel_size_is_drawn_thicker():
    traces = curves(viz_cost.ratio_figure(64, 5, 1 / 64 + 1 / 25))
    assert traces["k = 5: 1/N + 1/25"]["line"]["width"] > traces["k = 3: 1/N + 1/9"]["line"]["width"]


def test_groups_bars_are_the_engines_counts_with_the_current_one_highlighted():
    shape, k, n = (8, 10, 10), 3, 16
    options = [1, 2, 4, 8]
    costs = [engine.grouped_cost(shape, k, n, g) for g in options]
    separable = engine.depthwise_separable_cost(shape, k, n)
    data = spec(viz_cost.groups_figure(options, costs, 4, separable))["data"]
    mults, params = data
    assert list(mults["y"]) == ["g = 1", "g = 2", "g = 4", "g = 8"]
    assert decode(mults["x"]).tolist() == [c.multiplications for c in costs]
    assert decode(params["x"]).tolist() == [c.params for c in costs]
    assert mults["text"][0] == style.count(engine.standard_cost(shape, k, n).multiplications)
    colours = mults["marker"]["color"]
    assert colours[2] == style.SAMPLED and colours.count(style.SAMPLED) == 1


def test_equivalent_kernel_blocks_are_scaled_depthwise_patterns():
    rng = np.random.default_rng(1)
    d = rng.integers(-3, 4, size=(3, 3, 3)).astype(float)
    p = np.array([[2.0, -1.0, 0.5], [-0.5, 1.0, -2.0]])
    w = engine.equivalent_kernel(d, p)
    fig = spec(viz_cost.equivalent_kernel_figure(d, p, w))
    heatmaps = [decode(t["z"]).reshape(3, 3) for t in fig["data"]]
    assert len(heatmaps) == 3 + 2 * 3  # the patterns, then one row per output kernel
    for c in range(3):
        np.testing.assert_array_equal(heatmaps[c], d[c])
        for n in range(2):
            np.testing.assert_allclose(heatmaps[3 + 3 * n + c], p[n, c] * d[c])
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles[0] == "D₁ (channel 1)"
    assert "W[2,3] = (−2)·D₃" in titles
    zmax = {t["zmax"] for t in fig["data"]}
    assert len(zmax) == 1, "one colour scale for every block"
