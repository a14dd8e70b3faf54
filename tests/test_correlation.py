"""Cross-correlation or convolution: the flipped kernel against scipy.signal.convolve2d, plain loops,
the lecture's two Sobel sign conventions, and both pages with the toggle on."""

import base64
import json

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

import engine
import viz
from engine import ConvConfigError
from oracle import dilate, reference_conv2d
from test_pages import open_page

CONVOLUTION = "convolution"  # the pages' option label, and its value in the URL (?op=convolution)

# The lecture's Sobel x, as its text writes it: G_x, then the other side of the equation it factors.
LECTURE_GX = r"\begin{bmatrix} +1 & 0 & -1 \\ +2 & 0 & -2 \\ +1 & 0 & -1 \end{bmatrix}"
LECTURE_OTHER = r"\begin{bmatrix} -1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1 \end{bmatrix}"


def from_latex(text: str) -> np.ndarray:
    body = text.replace(r"\begin{bmatrix}", "").replace(r"\end{bmatrix}", "")
    return np.array([[float(cell) for cell in line.split("&")] for line in body.split(r"\\")])


def scipy_convolution(x, w):
    """scipy.signal.convolve2d, mode "valid", summed over channels: x (C, H, W), w (N, C, kh, kw)."""
    return np.stack([sum(convolve2d(x[c], kernel[c], mode="valid") for c in range(x.shape[0])) for kernel in w])


def loop_convolution(x, w, stride, pads, dilation):
    """True convolution written out: the output at (oy, ox) takes kernel cell (kh-1-i, kw-1-j) at offset (i, j)."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1]))
    n_kernels, channels, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    wo = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n_kernels, ho, wo))
    for n in range(n_kernels):
        for oy in range(ho):
            for ox in range(wo):
                out[n, oy, ox] = sum(xp[c, oy * sh + i * dh, ox * sw + j * dw] * w[n, c, kh - 1 - i, kw - 1 - j]
                                     for c in range(channels) for i in range(kh) for j in range(kw))
    return out


def random_case(seed):
    rng = np.random.default_rng(seed)
    c, n = rng.integers(1, 4), rng.integers(1, 4)
    kh, kw = rng.integers(1, 6), rng.integers(1, 6)
    h, w = kh + rng.integers(0, 8), kw + rng.integers(0, 8)
    return rng.normal(size=(c, h, w)), rng.normal(size=(n, c, kh, kw))


# ---- the engine

def test_flip_kernel_turns_every_kernel_by_180_degrees():
    rng = np.random.default_rng(0)
    bank = rng.normal(size=(3, 2, 4, 5))
    before = bank.copy()
    flipped = engine.flip_kernel(bank)
    for n in range(3):
        for c in range(2):
            np.testing.assert_array_equal(flipped[n, c], np.rot90(bank[n, c], 2))
    np.testing.assert_array_equal(bank, before)  # a new array; the kernels given are untouched
    np.testing.assert_array_equal(engine.flip_kernel(flipped), bank)  # turning twice gives it back
    np.testing.assert_array_equal(engine.flip_kernel(bank[0, 0]), np.rot90(bank[0, 0], 2))
    np.testing.assert_array_equal(engine.flip_kernel([1, 2, 3]), [3, 2, 1])  # a factor is reversed
    with pytest.raises(ConvConfigError):
        engine.flip_kernel(5.0)
    assert {"flip_kernel", "OPERATIONS", "kernel_as_used"} <= set(engine.__all__)


@pytest.mark.parametrize("seed", range(12))
def test_convolution_is_scipy_convolve2d_on_random_shapes(seed):
    x, w = random_case(seed)
    expected = scipy_convolution(x, w)
    np.testing.assert_allclose(engine.conv2d(x, w, operation="convolution"), expected, atol=1e-10)
    np.testing.assert_allclose(engine.conv2d_loop(x, w, operation="convolution"), expected, atol=1e-10)
    # the default stays cross-correlation, as in PyTorch and Keras
    np.testing.assert_allclose(engine.conv2d(x, w), reference_conv2d(x, w), atol=1e-10)
    np.testing.assert_allclose(engine.conv2d(x, w, operation="correlation"), engine.conv2d(x, w), atol=0)


@pytest.mark.parametrize("name", engine.KERNEL_PRESETS)
@pytest.mark.parametrize("kh, kw", [(3, 3), (2, 5), (7, 4)])
def test_every_convolution_page_preset_against_scipy(name, kh, kw):
    x = engine.input_pattern("random integers", 2, 9, 8, seed=3)
    w = engine.kernel_bank(name, 4, 2, kh, kw, seed=3)
    np.testing.assert_allclose(engine.conv2d(x, w, operation="convolution"), scipy_convolution(x, w), atol=1e-10)
    trace = engine.scan_trace(x, engine.kernel_as_used(w, "convolution"))
    np.testing.assert_allclose(trace.output, scipy_convolution(x, w), atol=1e-10)


@pytest.mark.parametrize("name", [*engine.SEPARABLE_PRESETS, "random"])
def test_every_separable_page_preset_against_scipy(name):
    k = engine.separable_preset(name, seed=4, size=5)
    x = engine.input_pattern("random integers", 1, 7, 9, seed=4)
    expected = convolve2d(x[0], k, mode="valid")
    np.testing.assert_allclose(engine.conv2d(x, k[None, None], operation="convolution")[0], expected, atol=1e-10)
    factors = engine.separable_factors(k)
    if factors is not None:
        _, two_pass = engine.two_pass_conv2d(x, *factors, operation="convolution")
        np.testing.assert_allclose(two_pass[0], expected, atol=1e-10)


@pytest.mark.parametrize("kh, kw", [(1, 1), (3, 3), (3, 5), (2, 2), (4, 3)])
def test_full_padding_is_scipys_full_mode_and_odd_same_its_same_mode(kh, kw):
    rng = np.random.default_rng(kh * 10 + kw)
    x, k = rng.normal(size=(1, 6, 7)), rng.normal(size=(kh, kw))
    full = engine.conv2d(x, k[None, None], padding="full", operation="convolution")[0]
    np.testing.assert_allclose(full, convolve2d(x[0], k, mode="full"), atol=1e-10)
    same = engine.conv2d(x, k[None, None], padding="same", operation="convolution")[0]
    if kh % 2 and kw % 2:
        np.testing.assert_allclose(same, convolve2d(x[0], k, mode="same"), atol=1e-10)
    else:  # an even kernel's extra zero goes after the input, as in PyTorch: one cell further on than scipy's
        top, left = kh // 2, kw // 2  # scipy's "same" starts at (kh - 1) // 2, (kw - 1) // 2 of the full output
        np.testing.assert_allclose(same, convolve2d(x[0], k, mode="full")[top:top + 6, left:left + 7], atol=1e-10)


@pytest.mark.parametrize("seed", range(8))
def test_stride_padding_dilation_against_a_loop_over_the_flipped_kernel(seed):
    rng = np.random.default_rng(100 + seed)
    x, w = random_case(100 + seed)
    kh, kw = w.shape[2:]
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
    pads = tuple(tuple(int(v) for v in rng.integers(0, 3, size=2)) for _ in range(2))
    # enough room for the dilated kernel
    x = np.pad(x, ((0, 0), (0, (kh - 1) * dilation[0]), (0, (kw - 1) * dilation[1])), constant_values=1.5)
    expected = loop_convolution(x, w, stride, pads, dilation)
    for conv in (engine.conv2d, engine.conv2d_loop):
        np.testing.assert_allclose(conv(x, w, stride, pads, dilation, operation="convolution"), expected, atol=1e-10)
    # and scipy: the dilated kernel convolved with the padded input, then every stride-th value
    xp = np.pad(x, ((0, 0), *pads))
    spread = np.stack([[dilate(w[n, c], *dilation) for c in range(w.shape[1])] for n in range(w.shape[0])])
    np.testing.assert_allclose(scipy_convolution(xp, spread)[:, ::stride[0], ::stride[1]], expected, atol=1e-10)


def test_the_flip_changes_no_count():
    x, w = random_case(7)
    counted = {}
    for operation in engine.OPERATIONS:
        counter = {}
        engine.conv2d_loop(x, w, 2, 1, 1, counter=counter, operation=operation)
        counted[operation] = counter
    assert counted["correlation"] == counted["convolution"]
    cost = engine.standard_cost(x.shape, w.shape[2:], w.shape[0], 2, 1)
    assert counted["convolution"]["multiplications"] == cost.multiplications


def test_an_unknown_operation_says_what_to_choose():
    x, w = random_case(1)
    for call in (lambda: engine.conv2d(x, w, operation="convolve"),
                 lambda: engine.conv2d_loop(x, w, operation="Convolution"),
                 lambda: engine.two_pass_conv2d(x, [1, 2], [1], operation="flip")):
        with pytest.raises(ConvConfigError, match='"correlation".*"convolution"'):
            call()


def test_the_lectures_two_sobel_conventions_are_the_two_sides_of_the_flip():
    gx, other = from_latex(LECTURE_GX), from_latex(LECTURE_OTHER)
    np.testing.assert_array_equal(gx, engine.kernel_preset("Sobel x", 3, 3))
    np.testing.assert_array_equal(engine.flip_kernel(gx), other)
    np.testing.assert_array_equal(engine.flip_kernel(other), gx)
    # the lecture's other factorisation, [1, 2, 1] x [-1, 0, 1], is its [1, 2, 1] x [1, 0, -1] with both reversed
    col, row = engine.separable_factors(gx)
    np.testing.assert_array_equal(np.outer(col[::-1], row[::-1]), other)
    np.testing.assert_array_equal(engine.SEPARABLE_PRESETS["Sobel x (−1 0 1)"], other)
    # so convolving with one is correlating with the other
    x = engine.input_pattern("random integers", 1, 5, 5)
    np.testing.assert_array_equal(engine.conv2d(x, gx[None, None], operation="convolution"),
                                  engine.conv2d(x, other[None, None]))
    np.testing.assert_array_equal(engine.conv2d(x, gx[None, None], operation="convolution")[0],
                                  correlate2d(x[0], other, mode="valid"))


SYMMETRIC = ["box blur 3×3", "Gaussian 3×3", "Gaussian 5×5", "Laplacian", "sharpen", "identity"]


@pytest.mark.parametrize("name", SYMMETRIC)
def test_symmetric_kernels_give_the_same_output_both_ways(name):
    k = engine.SEPARABLE_PRESETS[name]
    np.testing.assert_array_equal(engine.flip_kernel(k), k)
    x = engine.input_pattern("random integers", 2, 8, 9, seed=5)
    w = np.stack([k, k])[None]
    for padding in (0, "same", 2):
        np.testing.assert_array_equal(engine.conv2d(x, w, 2, padding, operation="convolution"),
                                      engine.conv2d(x, w, 2, padding))


@pytest.mark.parametrize("name", ["Sobel x (lecture: 1 0 −1)", "Sobel y (−1 0 1)", "Scharr x"])
def test_antisymmetric_kernels_change_the_outputs_sign(name):
    k = engine.SEPARABLE_PRESETS[name]
    x = engine.input_pattern("random integers", 1, 6, 7, seed=6)
    np.testing.assert_allclose(engine.conv2d(x, k[None, None], operation="convolution"),
                               -engine.conv2d(x, k[None, None]), atol=0)


@pytest.mark.parametrize("seed", range(6))
def test_two_passes_with_reversed_factors_are_the_full_convolution(seed):
    rng = np.random.default_rng(200 + seed)
    col, row = rng.integers(-3, 4, size=rng.integers(1, 6)), rng.integers(-3, 4, size=rng.integers(1, 6))
    x = rng.normal(size=(int(rng.integers(1, 4)), 8, 9))
    k = np.outer(col, row).astype(float)
    expected = np.stack([convolve2d(x[c], k, mode="valid") for c in range(x.shape[0])])
    _, two_pass = engine.two_pass_conv2d(x, col, row, operation="convolution")
    full = np.stack([engine.conv2d(x[c][None], k[None, None], operation="convolution")[0] for c in range(x.shape[0])])
    np.testing.assert_allclose(two_pass, expected, atol=1e-9)
    np.testing.assert_allclose(full, expected, atol=1e-9)
    # the same as correlating with the reversed factors, by hand, at any stride and padding
    for stride, padding in ((2, 1), ((1, 3), "same"), (3, "full")):
        _, flipped = engine.two_pass_conv2d(x, col, row, stride, padding, operation="convolution")
        _, by_hand = engine.two_pass_conv2d(x, col[::-1], row[::-1], stride, padding)
        np.testing.assert_allclose(flipped, by_hand, atol=1e-9)
        full = np.stack([engine.conv2d(x[c][None], k[None, None], stride, padding, operation="convolution")[0]
                         for c in range(x.shape[0])])
        np.testing.assert_allclose(flipped, full, atol=1e-9)


# ---- the pages, with ?op=convolution

def chart_specs(at):
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(z):
    """A heatmap's z, as a plain list or as plotly's base64 {"dtype", "bdata", "shape"}."""
    if isinstance(z, dict):
        shape = z.get("shape", "")
        shape = [int(s) for s in shape.split(",")] if isinstance(shape, str) and shape else shape or [-1]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.array(z, dtype=float)


def kernel_grids(spec):
    return {trace["name"]: values(trace["z"]) for trace in spec["data"] if trace.get("name", "").startswith("kernel ")}


def annotation_texts(spec):
    return [a.get("text", "") for a in spec["layout"].get("annotations", [])]


def flip_note(at):
    """The explanation the pages show with convolution chosen, or None."""
    return next((box.value for box in at.info if "turned by 180°" in box.value), None)


def metrics(at):
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def test_convolution_page_scans_with_the_flipped_kernel():
    plain = open_page("pages/convolution.py")
    at = open_page("pages/convolution.py", {"op": CONVOLUTION})
    assert not at.exception and not at.error
    assert at.selectbox(key="op").value == CONVOLUTION
    assert metrics(at) == metrics(plain) and metrics(at)["Multiplications"] == 81
    sobel = engine.kernel_preset("Sobel x", 3, 3)
    scan = chart_specs(at)[0]
    np.testing.assert_array_equal(kernel_grids(scan)["kernel 1 channel 1"], engine.flip_kernel(sobel))
    np.testing.assert_array_equal(kernel_grids(chart_specs(plain)[0])["kernel 1 channel 1"], sobel)
    assert "<b>flipped</b><br>3×3×1" in annotation_texts(scan)
    # the first step's products are the ones the flipped kernel computes
    x = engine.input_pattern("random integers", 1, 5, 5)
    first_value = engine.conv2d(x, sobel[None, None], operation="convolution")[0, 0, 0]
    window = x[0, :3, :3].ravel()
    factors = zip(window, engine.flip_kernel(sobel).ravel())
    terms = " + ".join(f"{a:g}·" + (f"({b:g})" if b < 0 else f"{b:g}") for a, b in factors)
    assert scan["layout"]["annotations"][0]["text"] == f"{terms} = {first_value:g}"
    latex = " ".join(l.value for l in at.latex)
    assert r"\begin{bmatrix}1 & 0 & -1 \\ 2 & 0 & -2 \\ 1 & 0 & -1\end{bmatrix}" in latex  # as given
    assert r"\begin{bmatrix}-1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1\end{bmatrix}" in latex  # as used
    explanation = flip_note(at)
    assert ("Sobel x [[1, 0, −1], [2, 0, −2], [1, 0, −1]] flips to [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]]"
            in explanation)
    assert "unchanged" in explanation
    assert any("changes sign" in c.value for c in at.caption)
    assert flip_note(plain) is None


@pytest.mark.parametrize("query", [{"kernel": "box blur"}, {"n": "3", "c": "2", "kernel": "random", "stride": "2",
                                                             "pad": "same", "dil": "2"}])
def test_convolution_page_other_settings(query):
    plain = open_page("pages/convolution.py", query)
    at = open_page("pages/convolution.py", {**query, "op": CONVOLUTION})
    assert not at.exception and not at.error
    assert metrics(at) == metrics(plain)
    grids, plain_grids = kernel_grids(chart_specs(at)[0]), kernel_grids(chart_specs(plain)[0])
    assert grids.keys() == plain_grids.keys()
    for name in grids:
        np.testing.assert_array_equal(grids[name], engine.flip_kernel(plain_grids[name]))
    if query["kernel"] == "box blur":
        assert any("same as with cross-correlation" in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["pages/convolution.py", "pages/spatially_separable.py"])
def test_the_choice_is_bound_to_the_url_and_the_url_reproduces_it(page):
    at = open_page(page)
    box = at.selectbox(key="op")
    assert box.proto.query_param_key == "op"  # the browser writes the choice into the address as ?op=...
    assert box.value == "cross-correlation" and box.options == ["cross-correlation", CONVOLUTION]
    box.set_value(CONVOLUTION).run()
    assert not at.exception and flip_note(at)
    reopened = open_page(page, {"op": CONVOLUTION})
    assert reopened.selectbox(key="op").value == CONVOLUTION
    assert [l.value for l in reopened.latex] == [l.value for l in at.latex]
    tampered = open_page(page, {"op": "convolve"})  # not an option: ignored, the default stays
    assert not tampered.exception and tampered.selectbox(key="op").value == "cross-correlation"


def test_separable_page_flips_the_kernel_and_reverses_both_factors():
    plain = open_page("pages/spatially_separable.py")
    at = open_page("pages/spatially_separable.py", {"op": CONVOLUTION})
    assert not at.exception and not at.error
    assert at.selectbox(key="op").value == CONVOLUTION
    assert metrics(at) == metrics(plain) == {"Full 3×3 kernel": 81, "Pass 1: 3×1": 45, "Pass 2: 1×3": 27,
                                             "Two passes in all": 72}
    assert "Same output by both routes" in at.success[0].value
    gx = engine.kernel_preset("Sobel x", 3, 3)
    # one animation holds both routes: the full kernel, the column and the row, each titled as flipped
    synced, stacked = [spec for spec in chart_specs(at) if spec.get("frames")]  # its two layouts, by screen width
    for layout in (synced, stacked):
        titles = annotation_texts(layout)
        for title in ("<b>kernel flipped</b><br>3×3", "<b>column flipped</b><br>3×1", "<b>row flipped</b><br>1×3"):
            assert title in titles, titles
    grids = {trace["name"]: values(trace["z"]) for trace in synced["data"]
             if trace.get("name") in ("kernel", "column", "row")}
    np.testing.assert_array_equal(grids["kernel"], engine.flip_kernel(gx))
    np.testing.assert_array_equal(grids["column"].ravel(), [1, 2, 1])  # the column [1, 2, 1] reversed
    np.testing.assert_array_equal(grids["row"].ravel(), [-1, 0, 1])  # the row [1, 0, -1] reversed
    # as used: the lecture's other convention, with the column [1, 2, 1] and the row [-1, 0, 1]
    used = next(l.value for l in at.latex if "as used" in l.value)
    assert r"\begin{bmatrix}-1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1\end{bmatrix}" in used
    factors = r"= \begin{bmatrix}1 \\ 2 \\ 1\end{bmatrix} \times \begin{bmatrix}-1 & 0 & 1\end{bmatrix}"
    assert used.strip("$\n").endswith(factors)
    assert flip_note(at)


@pytest.mark.parametrize("query", [{"kernel": "Sobel y (1 0 −1)", "stride": "2", "pad": "same"},
                                   {"kernel": "custom", "custom": "1 2 3; 2 4 6", "pad": "full", "h": "7"},
                                   {"kernel": "random", "ksize": "4", "seed": "9", "pad": "1"}])
def test_separable_page_proof_still_holds_when_flipped(query):
    plain = open_page("pages/spatially_separable.py", query)
    at = open_page("pages/spatially_separable.py", {**query, "op": CONVOLUTION})
    assert not at.exception and not at.error
    assert metrics(at) == metrics(plain)
    if plain.success:
        said = at.success[0].value
        assert "Same output by both routes" in said
        assert "to the last digit" in said or float(said.split("difference is ")[1].split(",")[0]) < 1e-9
    else:  # not rank 1: the routes differ by what the flipped remainder kernel - outer(col, row) picks up
        kernel = engine.separable_preset("random", seed=9, size=4)
        lowrank = engine.low_rank(kernel).approximation(1)
        x = engine.input_pattern("random integers", 1, 5, 5, seed=9)
        expected = np.abs(engine.conv2d(x, (kernel - lowrank)[None, None], padding=1, operation="convolution")).max()
        assert f"the outputs differ: the largest difference is {expected:.3g}," in at.warning[0].value
