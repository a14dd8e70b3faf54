"""The pointwise animation, read the way plotly.js draws it: each frame's overlay-axis ranges placed over
the static grids tell which input cells are lit, which output cells are uncovered and which matrix rows
are lit; those values are checked against a plain NumPy loop, the count against engine.pointwise_cost."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

import engine
from lessons.examples import separable_example
from test_viz_scan import decode
from viz import style
from viz.pointwise import DRAWN, pixel_names, pixel_rows, pointwise_figure, weight_columns

# (depthwise input height, width, channels, kernel size, kernels): the lecture's two tables, small and large ones
CASES = [(7, 7, 3, 3, 128), (12, 12, 3, 5, 256), (3, 3, 1, 2, 1), (4, 6, 2, 1, 2), (12, 12, 8, 5, 256),
         (4, 4, 8, 3, 6), (9, 3, 5, 1, 4)]


def loop_pointwise(maps, weights):
    """The pointwise convolution one product at a time: out[n, r, c] = sum over channels of maps · weights."""
    channels, height, width = maps.shape
    out = np.zeros((weights.shape[0], height, width))
    for n in range(weights.shape[0]):
        for r in range(height):
            for c in range(width):
                for ch in range(channels):
                    out[n, r, c] += maps[ch, r, c] * weights[n, ch]
    return out


def example(case):
    e = separable_example(*case)
    return e.depthwise_maps, e.pointwise, engine.pointwise_conv2d(e.depthwise_maps, e.pointwise)


def spec_of(case):
    maps, weights, output = example(case)
    return json.loads(json.dumps(pointwise_figure(maps, weights, output).to_dict()))


def prepared(case):
    """The example's maps and weights, the loop's output, and the figure as plotly.js gets it."""
    maps, weights, _ = example(case)
    return maps, weights, loop_pointwise(maps, weights), spec_of(case)


def heatmaps(spec) -> dict:
    return {t["name"]: t for t in spec["data"] if t["type"] == "heatmap"}


def cell_at(trace, x, y):
    """The (row, col) of a heatmap's cell under the point (x, y), or None."""
    z = grid_of(trace)
    col = (x - trace["x0"]) / trace["dx"] + 0.5
    row = (y - trace["y0"]) / trace["dy"] + 0.5
    if 0 <= row < z.shape[0] and 0 <= col < z.shape[1]:
        return int(row), int(col)
    return None


def grid_of(trace):
    z = decode(trace["z"])
    return z.reshape(z.shape[0], -1) if z.ndim > 1 else z.reshape(1, -1)


def to_main(value, overlay_range, main_range):
    """A value on an overlay axis as the main axis's value at the same pixel (both share one domain)."""
    (a, b), (lo, hi) = overlay_range, main_range
    return lo + (value - a) / (b - a) * (hi - lo)


def frame_layout(spec, p):
    """The layout at step p: the figure's ranges with the frame's paths applied."""
    ranges = {axis: spec["layout"][axis]["range"] for axis in spec["layout"] if re.fullmatch(r"[xy]axis\d*", axis)}
    for path, value in spec["frames"][p]["layout"].items():
        if path.endswith(".range"):
            ranges[path.removesuffix(".range")] = value
    return ranges, spec["frames"][p]["layout"]["annotations[0].text"]


def shape_centre(shape, ranges):
    def axis(ref):
        name = ref[0] + "axis" + ref[1:]
        return ranges[name], ranges[ref[0] + "axis"]
    x = to_main((shape["x0"] + shape["x1"]) / 2, *axis(shape["xref"]))
    y = to_main((shape["y0"] + shape["y1"]) / 2, *axis(shape["yref"]))
    return x, y


def covered(shape, ranges, x, y):
    """Whether the mask `shape` covers the main-axis point (x, y) in this frame."""
    def span(lo, hi, ref):
        name = ref[0] + "axis" + ref[1:]
        a, b = to_main(lo, ranges[name], ranges[ref[0] + "axis"]), to_main(hi, ranges[name], ranges[ref[0] + "axis"])
        return min(a, b), max(a, b)
    x0, x1 = span(shape["x0"], shape["x1"], shape["xref"])
    y0, y1 = span(shape["y0"], shape["y1"], shape["yref"])
    return x0 < x < x1 and y0 < y < y1


@pytest.mark.parametrize("case", CASES)
def test_every_frame_lights_the_pixels_column_and_fills_the_outputs_so_far(case):
    maps, weights, expected, spec = prepared(case)
    channels, height, width = maps.shape
    maps_shown = heatmaps(spec)
    assert len(spec["frames"]) == height * width  # one frame per pixel
    drawn = min(DRAWN, weights.shape[0])
    outputs = [maps_shown[f"output map {n + 1}"] for n in range(drawn) if f"output map {n + 1}" in maps_shown]
    assert 1 <= len(outputs) <= drawn
    for n, trace in enumerate(outputs):  # the grids hold the loop's output, and the kernels their weights
        np.testing.assert_allclose(grid_of(trace), expected[n])
        np.testing.assert_array_equal(grid_of(maps_shown[f"kernel {n + 1}"])[0], weights[n])
    for c in range(channels):
        np.testing.assert_array_equal(grid_of(maps_shown[f"input channel {c + 1}"]), maps[c])
    windows = [s for s in spec["layout"]["shapes"] if s.get("line", {}).get("color") == style.WINDOW]
    masks = [s for s in spec["layout"]["shapes"] if s.get("fillcolor") == style.BACKGROUND]
    for p in range(height * width):
        r, c = divmod(p, width)
        ranges, _ = frame_layout(spec, p)
        lit_inputs, lit_outputs = [], []
        for shape in windows:
            x, y = shape_centre(shape, ranges)
            for name, trace in maps_shown.items():
                cell = cell_at(trace, x, y)
                if cell and name.startswith("input channel"):
                    lit_inputs.append((int(name.split()[-1]) - 1, cell, grid_of(trace)[cell]))
                elif cell and name.startswith("output map"):
                    lit_outputs.append((int(name.split()[-1]) - 1, cell))
        # the pixel's column of C values, one in every depthwise map
        assert sorted(lit_inputs) == [(ch, (r, c), maps[ch, r, c]) for ch in range(channels)]
        assert sorted(lit_outputs) == [(n, (r, c)) for n in range(len(outputs))]
        for n, trace in enumerate(outputs):  # the values uncovered are those computed so far, the loop's
            for rr in range(height):
                for cc in range(width):
                    x = trace["x0"] + cc * trace["dx"]
                    y = trace["y0"] + rr * trace["dy"]
                    hidden = any(covered(m, ranges, x, y) for m in masks)
                    assert hidden == (rr * width + cc > p), (case, p, n, rr, cc)


@pytest.mark.parametrize("case", CASES)
def test_the_matrix_rows_lit_are_the_pixel_of_the_same_step(case):
    maps, weights, output = example(case)
    channels, height, width = maps.shape
    spec = spec_of(case)
    shown = heatmaps(spec)
    inputs, outputs, kernels = (grid_of(shown[name]) for name in ("input matrix", "output matrix", "kernel matrix"))
    drawn = outputs.shape[1]
    np.testing.assert_array_equal(inputs, pixel_rows(maps))  # (H·W × C)
    np.testing.assert_array_equal(kernels, weight_columns(weights[:drawn]))  # (C × N), the drawn columns
    np.testing.assert_allclose(outputs, inputs @ kernels)  # (H·W × N): the same product, row by row
    rows = [s for s in spec["layout"]["shapes"] if s.get("yref") == "y3" and s.get("line", {}).get("width")]
    masks = [s for s in spec["layout"]["shapes"] if s.get("fillcolor") == style.BACKGROUND]
    assert len(rows) == 2  # the row of the input matrix and the row of the output matrix
    for p in range(height * width):
        r, c = divmod(p, width)
        ranges, caption = frame_layout(spec, p)
        for shape in rows:
            x, y = shape_centre(shape, ranges)
            hits = [(name, cell_at(shown[name], x, y)) for name in ("input matrix", "output matrix")]
            hits = [(name, cell) for name, cell in hits if cell]
            assert len(hits) == 1 and hits[0][1][0] == p, (p, hits)
        np.testing.assert_array_equal(inputs[p], maps[:, r, c])
        assert f"Pixel ({r + 1}, {c + 1})</b> · matrix row {p + 1} ·" in caption
        product = shown["output matrix"]  # its rows so far uncovered, the rows still to come hidden
        for row in range(height * width):
            x, y = product["x0"], product["y0"] + row * product["dy"]
            assert any(covered(m, ranges, x, y) for m in masks) == (row > p), (p, row)


@pytest.mark.parametrize("case", CASES)
def test_the_caption_counts_and_writes_each_output_as_coloured_shares(case):
    maps, weights, expected, spec = prepared(case)
    channels, height, width = maps.shape
    total = engine.pointwise_cost(maps.shape, weights.shape[0]).multiplications
    drawn = len([t for t in spec["data"] if t["name"].startswith("output map")])
    for p in range(height * width):
        r, c = divmod(p, width)
        _, caption = frame_layout(spec, p)
        done = engine.pointwise_cost((channels, 1, p + 1), weights.shape[0]).multiplications
        assert f"{done:,} of {total:,} multiplications" in caption
        assert spec["layout"]["sliders"][0]["steps"][p]["label"].endswith(f"{done:,} of {total:,} multiplications")
        lines = caption.split("<br>")[1:]
        for n in range(drawn):
            shares = re.findall(r"<span style='color:(#[0-9A-Fa-f]{6})'>([^<]*)</span>", lines[n])
            assert [colour for colour, _ in shares] == [style.channel_colour(ch) for ch in range(channels)]
            products = [text.replace("−", "-").replace("(", "").replace(")", "").split("·") for _, text in shares]
            assert [(float(a), float(b)) for a, b in products] == [(maps[ch, r, c], weights[n, ch])
                                                                   for ch in range(channels)]
            total_text = re.search(r"= <b>([^<]*)</b>$", lines[n]).group(1)
            assert float(total_text.replace("−", "-")) == expected[n, r, c]
        rest = weights.shape[0] - drawn
        assert (f"… and {rest:,} more kernel" in caption) == (rest > 0)
    last = spec["layout"]["sliders"][0]["steps"][-1]["label"]
    assert last.endswith(f"{total:,} of {total:,} multiplications")


def test_the_lectures_tables_count_to_the_lectures_totals():
    for case, total in (((7, 7, 3, 3, 128), "9,600"), ((12, 12, 3, 5, 256), "49,152")):
        spec = spec_of(case)
        assert spec["layout"]["sliders"][0]["steps"][-1]["label"].endswith(f"{total} of {total} multiplications")


@pytest.mark.parametrize("case", CASES)
def test_each_channel_keeps_its_colour(case):
    maps, weights, _ = example(case)
    channels = maps.shape[0]
    spec = spec_of(case)
    shown = heatmaps(spec)
    coloured = [s for s in spec["layout"]["shapes"] if s.get("line", {}).get("color") in style.CHANNEL_COLOURS]
    for c in range(channels):
        colour, dash = style.channel_colour(c), style.channel_dash(c)
        trace = shown[f"input channel {c + 1}"]
        mine = [s for s in coloured if s["line"]["color"] == colour and s["line"]["dash"] == dash]
        # its map's outline is around that map
        x, y = trace["x0"] + (maps.shape[2] - 1) / 2, trace["y0"] + (maps.shape[1] - 1) / 2
        assert any(s["x0"] < x < s["x1"] and s["y0"] < y < s["y1"] and s["xref"] == "x" for s in mine)
        # its weight in every drawn kernel: one outlined cell per kernel, over column c of the strip
        for n in range(len([t for t in spec["data"] if re.fullmatch(r"kernel \d+", t["name"])])):
            strip = shown[f"kernel {n + 1}"]
            centre = strip["x0"] + c * strip["dx"]
            assert any(s["x0"] < centre < s["x1"] and s["y0"] < strip["y0"] < s["y1"] for s in mine)
        label = next(a for a in spec["layout"]["annotations"] if a["text"] == f"<b>channel {c + 1}</b>")
        assert label["font"]["color"] == colour


@pytest.mark.parametrize("case", [(12, 12, 8, 5, 256), (12, 12, 3, 5, 256), (10, 10, 8, 3, 256)])
def test_the_payload_stays_under_a_megabyte_at_the_largest_settings(case):
    assert len(json.dumps(spec_of(case))) < 1_000_000


@pytest.mark.parametrize("case", CASES)
def test_data_and_layout_pass_plotly_validation(case):
    """Built unvalidated for speed; plotly.py's own validation must accept it."""
    spec = spec_of(case)
    layout = dict(spec["layout"])
    layout.pop("sliders")  # steps are plain dicts checked in the browser
    go.Figure(data=spec["data"], layout=layout)  # raises on any invalid property
    for frame in spec["frames"]:
        assert set(frame["layout"]) <= {"annotations[0].text", "xaxis2.range", "yaxis2.range", "xaxis3.range",
                                        "yaxis3.range", "yaxis4.range", "xaxis4.range", "xaxis5.range", "xaxis6.range"}


def test_presenter_size_stays_on_one_screen():
    """Presenter mode scales fonts and height by 1.35: the chart stays within 700 px, the numbers ≥ 18 px."""
    maps, weights, output = example((7, 7, 3, 3, 128))
    figure = pointwise_figure(maps, weights, output).enlarged(1.35).to_dict()
    assert figure["layout"]["height"] <= 700
    sizes = [t["textfont"]["size"] for t in figure["data"] if t["type"] == "heatmap" and t.get("text")]
    assert sizes and min(sizes) >= 18


def test_reshaping_helpers_are_row_major():
    x = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    assert pixel_rows(x).shape == (6, 2)
    np.testing.assert_array_equal(pixel_rows(x)[4], x[:, 1, 1])
    assert pixel_names(2, 3) == ["(1, 1)", "(1, 2)", "(1, 3)", "(2, 1)", "(2, 2)", "(2, 3)"]
    np.testing.assert_array_equal(weight_columns(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
                                  [[1, 3, 5], [2, 4, 6]])
