"""The scan figure: built from the trace, one frame per output value, frames carry no grids."""

import base64
import json
import re

import numpy as np
import plotly.io as pio
import pytest

from engine import input_pattern, kernel_bank, scan_trace, standard_cost
from viz import scan_figure


def decode(value):
    """A plotly array: a list, or a NumPy array sent base64-encoded as {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict):
        shape = [int(v) for v in str(value["shape"]).split(",")] if "shape" in value else [-1]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(shape)
    return np.asarray(value, dtype=float)


def build(c=1, h=5, w=5, n=1, k=(3, 3), stride=1, padding=0, dilation=1, preset="Sobel x", pattern="random integers"):
    x = input_pattern(pattern, c, h, w)
    kernels = kernel_bank(preset, n, c, *k)
    trace = scan_trace(x, kernels, stride, padding, dilation)
    spec = json.loads(pio.to_json(scan_figure(trace), validate=False))
    return trace, spec


CASES = [
    dict(),  # the lecture's 5x5 image and 3x3 Sobel kernel
    dict(c=3, h=7, w=7, n=2),
    dict(c=2, h=6, w=8, n=3, k=(2, 3), stride=2, padding="same"),
    dict(c=1, h=9, w=9, k=(3, 3), dilation=2, padding=1),
    dict(c=4, h=5, w=4, n=4, k=(1, 1), padding="full", preset="random"),
]


@pytest.mark.parametrize("case", CASES)
def test_one_frame_per_output_value_and_the_counter_ends_at_the_cost(case):
    trace, spec = build(**case)
    c, h, w = case.get("c", 1), case.get("h", 5), case.get("w", 5)
    cost = standard_cost((c, h, w), case.get("k", (3, 3)), case.get("n", 1), case.get("stride", 1),
                         case.get("padding", 0), case.get("dilation", 1))
    n, ho, wo = cost.out_shape
    assert len(spec["frames"]) == n * ho * wo == trace.steps
    steps = spec["layout"]["sliders"][0]["steps"]
    assert len(steps) == len(spec["frames"])
    assert [s["args"][0][0] for s in steps] == [f["name"] for f in spec["frames"]]
    counts = [int(re.search(r"([\d,]+) multiplications", s["label"]).group(1).replace(",", "")) for s in steps]
    assert counts[-1] == cost.multiplications
    assert counts == sorted(counts) and counts[0] == cost.multiplications // trace.steps


@pytest.mark.parametrize("case", CASES)
def test_frames_never_repeat_the_grids(case):
    _, spec = build(**case)
    for frame in spec["frames"]:
        assert "data" not in frame and "traces" not in frame
        assert set(frame["layout"]) <= {"xaxis2.range", "yaxis2.range", "xaxis3.range", "yaxis3.range",
                                        "yaxis4.range", "annotations[0].text"}


def test_every_frame_key_names_something_in_the_layout():
    _, spec = build(c=2, n=2, dilation=2, h=7, w=7)
    layout = spec["layout"]
    for key in spec["frames"][0]["layout"]:
        root = key.split(".")[0].split("[")[0]
        assert root in layout, key
    assert layout["xaxis2"]["overlaying"] == "x" and layout["yaxis3"]["overlaying"] == "y"


def test_the_window_moves_to_each_steps_position():
    trace, spec = build(c=2, h=6, w=7, n=2, stride=2, padding=1)
    base_x = spec["frames"][0]["layout"]["xaxis2.range"]
    base_y = spec["frames"][0]["layout"]["yaxis2.range"]
    for s, frame in enumerate(spec["frames"]):
        # shifting the overlay axes' range by -d moves what is drawn on them by +d cells
        assert frame["layout"]["xaxis2.range"][0] == base_x[0] - trace.left[s]
        assert frame["layout"]["yaxis2.range"][0] == base_y[0] - trace.top[s]


def test_the_caption_writes_out_the_steps_products():
    trace, spec = build()
    for s, frame in enumerate(spec["frames"]):
        text = frame["layout"]["annotations[0].text"]
        terms = re.findall(r"(\(?-?[\d.]+\)?)·(\(?-?[\d.]+\)?)", text)
        assert len(terms) == 9
        values = [float(a.strip("()")) * float(b.strip("()")) for a, b in terms]
        assert sum(values) == trace.sums[s]
        assert text.endswith(f"= {trace.sums[s]:g}".replace("-", "-"))


def test_the_grids_show_the_engines_values():
    trace, spec = build(c=1, h=5, w=5, padding=1)
    heatmaps = [t for t in spec["data"] if t["type"] == "heatmap"]
    names = [t.get("name") for t in heatmaps]
    assert "padding" in names
    output = next(t for t in heatmaps if t["name"] == "output 1")
    np.testing.assert_allclose(decode(output["z"]), trace.output[0])


def test_bytes_per_frame_do_not_grow_with_the_input():
    def per_step(h):
        trace, spec = build(c=2, h=h, w=h, n=2, k=(3, 3))
        frames = json.dumps(spec["frames"]) + json.dumps(spec["layout"]["sliders"])
        return len(frames) / trace.steps
    small, large = per_step(6), per_step(16)
    assert large < small * 1.15


@pytest.mark.parametrize("case", CASES)
def test_data_and_layout_pass_plotly_validation(case):
    """The figures are built unvalidated for speed; plotly.py's own validation must accept them."""
    import plotly.graph_objects as go

    _, spec = build(**case)
    layout = dict(spec["layout"])
    layout.pop("sliders")  # steps are plain dicts checked in the browser
    go.Figure(data=spec["data"], layout=layout)  # raises on any invalid property


def test_a_scan_survives_copy_deepcopy_and_pickle():
    """An AnimatedFigure sets up none of plotly.py's own state; copying or pickling it (a cache that
    stores copies would) must still give the same figure."""
    import copy
    import pickle

    figure = scan_figure(scan_trace(input_pattern("random integers", 2, 5, 6, 0),
                                    kernel_bank("random", 2, 2, 3, 3, 0)))
    before = json.dumps(figure.to_dict(), sort_keys=True)
    for twin in (copy.copy(figure), copy.deepcopy(figure), pickle.loads(pickle.dumps(figure))):
        assert type(twin) is type(figure)
        assert json.dumps(twin.to_dict(), sort_keys=True) == before


@pytest.mark.parametrize("kernels, title", [(1, "<b>flipped</b>"), (3, "<b>3 flipped</b>")])
def test_flipped_kernels_are_titled_and_hovered_as_flipped_and_nothing_moves(kernels, title):
    trace = scan_trace(input_pattern("random integers", 2, 5, 5, 0), kernel_bank("random", kernels, 2, 3, 3, 0))
    plain, flipped = scan_figure(trace).to_dict(), scan_figure(trace, flipped=True).to_dict()
    texts = [a["text"] for a in flipped["layout"]["annotations"]]
    assert sum(t.startswith(title + "<br>3×3×2") for t in texts) == 1
    assert not any("kernel" in t for t in texts if t.startswith("<b>"))
    kernel_hover = [t["hovertemplate"] for t in flipped["data"] if t["name"].startswith("kernel ")]
    assert len(kernel_hover) == 2 * kernels and all(h.startswith("flipped kernel ") for h in kernel_hover)
    # the same places: every annotation, grid and outline stays where the plain scan has it
    where = lambda spec: ([(a["x"], a["y"]) for a in spec["layout"]["annotations"]],  # noqa: E731
                          [(t.get("x0"), t.get("y0")) for t in spec["data"]], spec["layout"]["shapes"])
    assert where(flipped) == where(plain)


def test_typed_arrays_decode_to_what_plotly_writes():
    """The figure turns NumPy arrays into plotly.js typed arrays itself: the values must be the ones
    plotly.py's own to_dict() sends for the same arrays."""
    import plotly.graph_objects as go

    from viz.animated import typed_array

    for values in (np.array([[1.5, np.nan], [-2.0, 3.25]]), np.arange(6).reshape(2, 3), np.array([3, -7, 2**40])):
        ours = typed_array(values)
        theirs = go.Figure(go.Heatmap(z=values)).to_dict()["data"][0]["z"]
        np.testing.assert_array_equal(decode(ours).astype(float), decode(theirs).astype(float))
        assert ("shape" in ours) == (values.ndim > 1)


def test_the_figure_api_reads_frames_slider_and_steps():
    trace = scan_trace(input_pattern("random integers", 1, 5, 5, 0), kernel_bank("Sobel x", 1, 1, 3, 3, 0))
    figure = scan_figure(trace)
    spec = figure.to_dict()
    assert figure.step_count == len(figure.frames) == trace.steps == 9
    assert figure.frames == spec["frames"] and figure.slider is spec["layout"]["sliders"][0]
    assert figure.step_labels == [s["label"] for s in spec["layout"]["sliders"][0]["steps"]]
    assert figure.step_labels[-1].startswith("9/9") and figure.active_step == 0
    assert figure.at_step(4).active_step == 4 and figure.active_step == 0
    assert figure.step_texts([2]) == [figure.step_texts()[2]]


def test_no_private_plotly_module_or_attribute_is_used_across_modules():
    from pathlib import Path

    private = re.compile(r"_plotly_utils|plotly\.[a-z_.]*\._|\._" + "raw")  # split: this line is no use of one
    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("viz/*.py"), *root.glob("ui*.py"), *root.glob("ui/*.py")]:
        assert not private.search(path.read_text(encoding="utf-8")), path
