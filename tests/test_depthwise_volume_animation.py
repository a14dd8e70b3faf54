"""The depthwise scan in 3-D (viz.volume3d), read back from the figure plotly.js gets: the output
volume filling in, frame by frame, against a plain loop; every window where a loop over the output
positions puts it; each channel in its colour; small enough to send; valid for plotly.py."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

import engine
from lessons.depthwise import Config, build
from viz import style
from viz.animated import merged
from viz.volume3d import SPACING, volume_scan_figure


def loop_depthwise(x, w, stride, padding, dilation):
    """Map j: kernel j slid over channel j // m alone, one multiply at a time (zero padding on every side)."""
    channels, height, width = x.shape
    m, k = len(w) // channels, w.shape[1]
    span = (k - 1) * dilation + 1
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = (height + 2 * padding - span) // stride + 1, (width + 2 * padding - span) // stride + 1
    out = np.zeros((len(w), out_h, out_w))
    for j in range(len(w)):
        for r in range(out_h):
            for q in range(out_w):
                for a in range(k):
                    for b in range(k):
                        out[j, r, q] += xp[j // m, r * stride + a * dilation, q * stride + b * dilation] * w[j, a, b]
    return out


def decoded(array) -> np.ndarray:
    """A plotly.js typed array ({"dtype", "bdata"}) or a list, as NumPy."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype="<" + array["dtype"])
    return np.asarray(array, dtype=float)


def by_name(traces, start: str) -> list[dict]:
    return [t for t in traces if t.get("name", "").startswith(start)]


def shown_output(spec: dict, maps: int, rows: int, cols: int, m: int) -> np.ndarray:
    """What the figure shows of the output volume: each cell's value on the output sheets (read from
    the mesh, at the cell's place), NaN where the grey block of cells not computed yet covers it."""
    sheet = by_name(spec["data"], "output ")[0]
    xs, ys, zs = (decoded(sheet[a]) for a in "xyz")
    i, value = decoded(sheet["i"]).astype(int), decoded(sheet["intensity"])
    shown = np.full((maps, rows, cols), np.nan)
    y0 = ys.min()
    for t, corner in enumerate(i):  # each cell's first triangle starts at its top left corner
        j = int(round(-xs[corner] / SPACING * m))  # channel c's m maps between depths c and c + 1
        r, q = int(round(-zs[corner])), int(round(ys[corner] - y0))
        if 0 <= r < rows and 0 <= q < cols:
            shown[j, r, q] = value[t]
    block = by_name(spec["data"], "not computed yet")[0]
    by, bz = decoded(block["y"]), decoded(block["z"])
    for box in range(len(by) // 8):
        y_lo, y_hi = by[box * 8:box * 8 + 8].min(), by[box * 8:box * 8 + 8].max()
        z_lo, z_hi = bz[box * 8:box * 8 + 8].min(), bz[box * 8:box * 8 + 8].max()
        for r in range(rows):
            for q in range(cols):
                if y_lo < y0 + q + 0.5 < y_hi and z_lo < -r - 0.5 < z_hi:  # the cell's centre inside the box
                    shown[:, r, q] = np.nan
    return shown


CASES = [  # channels, multiplier, size, kernel, stride, padding, dilation
    (16, 1, 6, 3, 1, 0, 1),  # the lecture's example
    (3, 2, 5, 3, 2, 1, 1),
    (4, 1, 7, 2, 1, 2, 2),
    (1, 3, 4, 1, 1, 0, 1),
    (9, 1, 6, 3, 1, 1, 1),  # channels 9 on dashed
]


@pytest.mark.parametrize("channels, m, size, k, stride, padding, dilation", CASES)
def test_the_output_fills_in_with_the_true_values_position_by_position(channels, m, size, k, stride, padding,
                                                                       dilation):
    rng = np.random.default_rng(channels * 10 + m)
    x = rng.integers(-4, 9, size=(channels, size, size)).astype(float)
    w = rng.integers(-2, 3, size=(channels * m, k, k)).astype(float)
    expected = loop_depthwise(x, w, stride, padding, dilation)
    maps, rows, cols = expected.shape
    figure = volume_scan_figure(engine.depthwise_trace(x, w, stride, padding, dilation))
    assert figure.step_count == rows * cols
    for s in range(figure.step_count):
        spec = figure.at_step(s).to_dict()  # the base traces with frame s merged in, as plotly.js shows it
        scanned = np.zeros((rows, cols), dtype=bool)
        scanned.flat[:s + 1] = True  # reading order: row by row, from (1, 1)
        wanted = np.where(scanned, expected, np.nan)
        np.testing.assert_allclose(shown_output(spec, maps, rows, cols, m), wanted, atol=1e-6, err_msg=f"step {s + 1}")
        r, q = divmod(s, cols)
        assert f"output ({r + 1}, {q + 1}) of all {maps} maps" in spec["layout"]["annotations"][0]["text"]
        done = (s + 1) * maps * k * k
        assert f"all {maps} kernels: {done:,} of {expected.size * k * k:,} multiplications" in (
            spec["layout"]["annotations"][0]["text"])


@pytest.mark.parametrize("channels, m, size, k, stride, padding, dilation", CASES)
def test_every_window_sits_where_the_scan_is(channels, m, size, k, stride, padding, dilation):
    """Frame s's outline on channel c: the k×k window (spread by the dilation) at output position s
    times the stride, in padded coordinates, just in front of channel c's sheet, in channel c's colour."""
    x = np.ones((channels, size, size))
    w = np.ones((channels * m, k, k))
    trace = engine.depthwise_trace(x, w, stride, padding, dilation)
    figure = volume_scan_figure(trace)
    cols = trace.output.shape[2]
    span = (k - 1) * dilation + 1
    for s in range(figure.step_count):
        windows = by_name(figure.at_step(s).to_dict()["data"], "window")
        outlines = []
        for t in windows:
            xs, ys, zs, colours = t["x"], t["y"], t["z"], t["line"]["color"]
            for start in range(0, len(xs), 6):
                channel = int(round(-(xs[start] - 0.25) / SPACING))
                outlines.append((channel, min(ys[start:start + 5]), max(ys[start:start + 5]),
                                 -max(zs[start:start + 5]), -min(zs[start:start + 5]), set(colours[start:start + 5]),
                                 t["line"]["dash"]))
        assert sorted(o[0] for o in outlines) == list(range(channels))
        r, q = divmod(s, cols)
        for channel, left, right, top, bottom, colours, dash in outlines:
            assert (left, top) == (q * stride, r * stride)
            assert (right - left, bottom - top) == (span, span)
            assert colours == {style.channel_colour(channel)}
            assert dash == style.channel_dash(channel)


def test_each_sheet_edge_is_in_its_channels_colour():
    channels, m = 10, 2
    figure = volume_scan_figure(engine.depthwise_trace(np.ones((channels, 4, 4)), np.ones((channels * m, 3, 3))))
    data = figure.to_dict()["data"]
    for name, count, channel_of in (("input channel", channels, lambda i: i), ("output map", channels * m,
                                                                               lambda j: j // m)):
        seen = 0
        for t in by_name(data, name):
            for start in range(0, len(t["x"]), 6):
                sheet = int(round(-t["x"][start] / SPACING * (m if name == "output map" else 1)))
                assert set(t["line"]["color"][start:start + 5]) == {style.channel_colour(channel_of(sheet))}
                assert t["line"]["dash"] == style.channel_dash(channel_of(sheet))
                seen += 1
        assert seen == count


def test_frames_carry_only_what_moves_and_ask_for_a_redraw():
    figure = build(Config()).volumes
    spec = figure.to_dict()
    moving = {i for f in spec["frames"] for i in f["traces"]}
    assert {spec["data"][i]["name"].split(" (")[0] for i in moving} == {"window", "output position", "not computed yet"}
    for frame in spec["frames"]:
        assert all(set(d) == {"y", "z"} for d in frame["data"])
        assert set(frame["layout"]) == {"annotations[0].text"}
    steps = spec["layout"]["sliders"][0]["steps"]
    assert all(step["args"][1]["frame"]["redraw"] for step in steps)
    play, pause = spec["layout"]["updatemenus"][0]["buttons"]
    assert play["args"][1]["frame"]["redraw"] and pause["args"][1]["frame"]["redraw"]


LARGEST = [Config(height=8, width=8, channels=16, kernel_size=1, multiplier=3, padding=2),
           Config(height=8, width=8, channels=16, kernel_size=5, multiplier=3, padding=2),
           Config(height=8, width=8, channels=16, kernel_size=3, multiplier=3, padding="same", pattern="diagonal line"),
           Config(height=8, width=8, channels=16, kernel_size=2, multiplier=3, padding=2, kernel="box blur")]


@pytest.mark.parametrize("config", LARGEST)
def test_each_animation_is_under_a_megabyte_at_the_largest_settings(config):
    lesson = build(config)
    for figure in (lesson.scan, lesson.volumes):
        assert len(json.dumps(figure.to_dict())) < 1_000_000


@pytest.mark.parametrize("config", [Config(), Config(channels=3, height=5, width=5, multiplier=2, padding=1,
                                                     dilation=2, stride=2)])
def test_the_3d_animation_passes_plotly_validation_at_every_step(config):
    figure = build(config).volumes
    for s in (0, figure.step_count // 2, figure.step_count - 1):
        spec = json.loads(json.dumps(figure.at_step(s).to_dict()))
        layout = dict(spec["layout"])
        layout.pop("sliders")
        go.Figure(data=spec["data"], layout=layout)  # raises on any invalid property
        for frame in spec["frames"][:2]:
            traces = [merged(spec["data"][i], d) for i, d in zip(frame["traces"], frame["data"])]
            go.Figure(data=traces)
