"""The matrix-product figure: its three heatmaps are the reshaped input, the weights and the engine's output."""

import json

import numpy as np
import plotly.io as pio
import pytest

from engine import input_pattern, pointwise_conv2d, scan_trace
from test_viz_scan import decode
from viz import scan_figure
from viz.pointwise import matrix_product_figure, pixel_names, pixel_rows, weight_columns
from conftest import assert_plotly_js_ready

CASES = [(3, 5, 5, 2, 0), (1, 2, 2, 1, 1), (8, 8, 8, 6, 2), (8, 2, 2, 3, 3), (4, 3, 7, 5, 4)]


def build(c, h, w, n, seed):
    x = input_pattern("random integers", c, h, w, seed)
    kernels = np.random.default_rng(seed).integers(-2, 3, size=(n, c)).astype(float)
    return x, kernels, pointwise_conv2d(x, kernels)


def heatmaps(fig):
    spec = json.loads(pio.to_json(fig, validate=False))
    return spec, {t["name"]: t for t in spec["data"] if t["type"] == "heatmap"}


@pytest.mark.parametrize("case", CASES)
def test_the_figure_shows_the_reshaped_arrays_and_the_engines_output(case):
    c, h, w, n, _ = case
    x, kernels, output = build(*case)
    _, maps = heatmaps(matrix_product_figure(x, kernels, output))
    pixels = decode(maps["input"]["z"]).reshape(h * w, c)
    weights = decode(maps["kernels"]["z"]).reshape(c, n)
    result = decode(maps["output"]["z"]).reshape(h * w, n)
    np.testing.assert_array_equal(pixels, x.reshape(c, h * w).T)
    np.testing.assert_array_equal(weights, kernels.T)
    np.testing.assert_array_equal(result, output.reshape(n, h * w).T)
    # the matrix product of the first two panels is the third, which is the engine's pointwise_conv2d
    np.testing.assert_allclose(pixels @ weights, result)
    for r, (row, col) in enumerate(np.ndindex(h, w)):  # row r of the input is pixel (row, col)
        np.testing.assert_array_equal(pixels[r], x[:, row, col])


def test_reshaping_helpers_are_row_major():
    x = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    assert pixel_rows(x).shape == (6, 2)
    np.testing.assert_array_equal(pixel_rows(x)[4], x[:, 1, 1])
    assert pixel_names(2, 3) == ["(1, 1)", "(1, 2)", "(1, 3)", "(2, 1)", "(2, 2)", "(2, 3)"]
    np.testing.assert_array_equal(weight_columns(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
                                  [[1, 3, 5], [2, 4, 6]])


@pytest.mark.parametrize("case", CASES)
def test_axes_are_labelled_and_values_printed_while_small(case):
    c, h, w, n, _ = case
    spec, maps = heatmaps(matrix_product_figure(*build(*case)))
    layout = spec["layout"]
    axes = ("xaxis", "yaxis", "xaxis2", "yaxis2", "xaxis3", "yaxis3")
    titles = {axis: layout[axis]["title"]["text"] for axis in axes}
    assert titles == {"xaxis": "channel", "yaxis": "pixel (row, col)", "xaxis2": "kernel", "yaxis2": "channel",
                      "xaxis3": "kernel", "yaxis3": "pixel (row, col)"}
    texts = " ".join(a["text"] for a in layout["annotations"])
    assert f"{h * w} × {c}" in texts and f"{c} × {n}" in texts and f"{h * w} × {n}" in texts
    if h * w <= 25:
        assert all(t.get("texttemplate") for t in maps.values())
    # the matrices never overlap: each sits right of the one before it
    domains = [layout[a]["domain"] for a in ("xaxis", "xaxis2", "xaxis3")]
    assert all(0 <= d[0] < d[1] <= 1 for d in domains)
    assert domains[0][1] < domains[1][0] and domains[1][1] < domains[2][0]


def test_the_scan_of_1x1_kernels_has_one_product_per_channel_in_every_caption():
    x, kernels, output = build(3, 4, 4, 2, 0)
    trace = scan_trace(x, kernels[:, :, None, None])
    np.testing.assert_allclose(trace.output, output)
    spec = json.loads(pio.to_json(scan_figure(trace), validate=False))
    assert len(spec["frames"]) == 2 * 4 * 4
    texts = " ".join(a["text"] for a in spec["layout"]["annotations"])
    assert "1×1×3" in texts
    caption = spec["frames"][5]["layout"]["annotations[0].text"]
    assert [line.count("·") for line in caption.split("<br>")[:3]] == [1, 1, 1]


@pytest.mark.parametrize("case", CASES)
def test_the_figure_passes_plotly_validation(case):
    """It is built from plain dicts without plotly.py's checks (for speed); plotly.py must accept it."""
    spec, _ = heatmaps(matrix_product_figure(*build(*case)))
    assert_plotly_js_ready(spec)
