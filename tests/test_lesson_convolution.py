"""The Convolution lesson as a plain function: configurations against scipy.signal, Dumoulin & Visin's
published output sizes, the lecture's counts, and the text it writes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve2d, correlate2d

from engine import ConvConfigError
from lessons.convolution import Config, build
from oracle import dilate
from test_engine_conv import explicit_pads

SOBEL_X = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


def relation_15(i, k, s=1, p=0, d=1):
    """Dumoulin & Visin (2016), relation 15: o = floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1."""
    return math.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1


def pads_of(config):
    """((top, bottom), (left, right)): the zeros each named padding adds, as PyTorch and TensorFlow define it."""
    return explicit_pads(config.height, config.width, config.kernel_height, config.kernel_width,
                         (config.stride, config.stride), config.padding, (config.dilation, config.dilation))


def scipy_scan(x, w, config):
    """The expected output (N, Ho, Wo): every channel through scipy.signal, summed, then strided."""
    rows, cols = pads_of(config)
    padded = np.pad(x, ((0, 0), rows, cols))
    scan = convolve2d if config.operation == "convolution" else correlate2d
    maps = [sum(scan(padded[c], dilate(kernel[c], config.dilation, config.dilation), mode="valid")
                for c in range(x.shape[0])) for kernel in w]
    return np.stack(maps)[:, ::config.stride, ::config.stride]


def counted(config, out_h, out_w):
    """Multiplications and additions counted one by one, as the scan does them."""
    multiplications = additions = 0
    for _kernel in range(config.kernels):
        for _position in range(out_h * out_w):
            products = 0
            for _cell in range(config.channels * config.kernel_height * config.kernel_width):
                multiplications += 1
                products += 1
            additions += products - 1
    return multiplications, additions


# ---- the lecture: a 5×5 image and the 3×3 Sobel kernel

def test_the_lectures_example_is_the_default():
    lesson = build(Config())
    assert (lesson.out_height, lesson.out_width) == (3, 3)  # 9 positions
    assert (lesson.cost.multiplications, lesson.cost.additions, lesson.cost.params) == (81, 72, 9)
    assert lesson.counts == {"Multiplications": "81", "Additions": "72", "Parameters": "9"}
    np.testing.assert_array_equal(lesson.weights[0, 0], SOBEL_X)
    np.testing.assert_array_equal(lesson.trace.output[0], correlate2d(lesson.image[0], SOBEL_X, mode="valid"))
    assert "1 × 9 × (1 × 3 × 3) = **81**" in lesson.cost_text
    assert "1 × 9 × 8 = **72**" in lesson.cost_text
    assert "1 × 1 × 3 × 3 = **9** (no bias)" in lesson.cost_text
    assert lesson.size_heading == "Output size: 3×3×1"
    assert lesson.answers == [("Output height", 3), ("Output width", 3)]
    assert "A 5×5 input, a 3×3 kernel, stride 1, padding 0, dilation 1" in lesson.question
    assert r"\frac{5 + 0 + 0 - 3 - 2\cdot0}{1}\right\rfloor + 1 = 3" in lesson.explanation
    assert "The kernel makes one 3×3 map: the output is 3×3×1." in lesson.explanation
    assert lesson.flip is None and lesson.padding_note is None


# ---- output sizes: Dumoulin & Visin's figures (i, k, s, p, d) -> o, as the paper draws them

PAPER_FIGURES = [
    (4, 3, 1, 0, 1, 2),  # figure 2.1: no padding, unit strides
    (5, 4, 1, 2, 1, 6),  # figure 2.2: arbitrary padding
    (5, 3, 1, 1, 1, 5),  # figure 2.3: half (same) padding
    (5, 3, 1, 2, 1, 7),  # figure 2.4: full padding
    (5, 3, 2, 0, 1, 2),  # figure 2.5: no padding, strides
    (5, 3, 2, 1, 1, 3),  # figure 2.6: padding and strides
    (6, 3, 2, 1, 1, 3),  # figure 2.7: padding and strides, odd
    (7, 3, 1, 0, 2, 3),  # figure 5.1: dilation
]


@pytest.mark.parametrize("i, k, s, p, d, expected", PAPER_FIGURES)
def test_output_size_is_dumoulin_and_visins(i, k, s, p, d, expected):
    assert relation_15(i, k, s, p, d) == expected
    lesson = build(Config(height=i, width=i + 1, kernel_height=k, kernel_width=k, kernel="box blur", stride=s,
                          padding=p, dilation=d))
    assert (lesson.out_height, lesson.out_width) == (expected, relation_15(i + 1, k, s, p, d))
    assert lesson.trace.output.shape == (1, expected, relation_15(i + 1, k, s, p, d))
    assert (rf"\text{{rows: }} o = \left\lfloor \frac{{{i} + {p} + {p} - {k} - {k - 1}\cdot{d - 1}}}{{{s}}}"
            rf"\right\rfloor + 1 = {expected}") in lesson.size_formulas


NAMED_PADDINGS = [  # (input, kernel, stride, dilation, padding) -> output, by each mode's definition
    (Config(height=5, width=7, padding="same"), (5, 7)),
    (Config(height=5, width=7, kernel_height=4, kernel_width=2, kernel="random", padding="same"), (5, 7)),
    (Config(height=8, width=7, stride=2, padding="same"), (4, 4)),
    (Config(height=5, width=5, padding="full"), (7, 7)),
    (Config(height=5, width=5, dilation=2, padding="full"), (9, 9)),
    (Config(height=6, width=5, padding="valid"), (4, 3)),
]


@pytest.mark.parametrize("config, expected", NAMED_PADDINGS)
def test_named_paddings(config, expected):
    lesson = build(config)
    assert (lesson.out_height, lesson.out_width) == expected
    assert lesson.trace.output.shape[1:] == expected
    rows, cols = pads_of(config)
    assert lesson.padding_note.startswith(f'Padding "{config.padding}" adds {rows[0]} row')
    assert f"{cols[1]} on the right" in lesson.padding_note
    assert ("one more zero" in lesson.padding_note) == (rows[0] != rows[1] or cols[0] != cols[1])


# ---- values and counts against scipy.signal and a plain loop

SCANS = [
    Config(),
    Config(operation="convolution"),
    Config(height=7, width=6, channels=3, kernels=2, kernel="random", seed=4),
    Config(height=7, width=7, channels=2, kernels=3, kernel="Sobel y", stride=2, padding=1),
    Config(height=9, width=8, kernel_height=3, kernel_width=2, kernel="random", dilation=2, padding=2, seed=7),
    Config(height=8, width=8, channels=2, kernels=4, kernel="sharpen", stride=3, padding="same", dilation=2,
           operation="convolution"),
    Config(height=6, width=5, channels=3, kernels=2, kernel="random", padding="full", operation="convolution", seed=3),
    Config(height=16, width=16, channels=4, kernel_height=7, kernel_width=7, kernels=4, stride=3, padding=3,
           dilation=3, input_values="checkerboard"),
]


@pytest.mark.parametrize("config", SCANS)
def test_values_and_counts_match_scipy_and_a_plain_loop(config):
    lesson = build(config)
    expected = scipy_scan(lesson.image, lesson.weights, config)
    np.testing.assert_allclose(lesson.trace.output, expected, atol=1e-9)
    _, out_h, out_w = expected.shape
    assert (lesson.out_height, lesson.out_width) == (out_h, out_w)
    multiplications, additions = counted(config, out_h, out_w)
    assert (lesson.cost.multiplications, lesson.cost.additions) == (multiplications, additions)
    assert lesson.trace.multiplications_so_far[-1] == multiplications
    params = config.kernels * config.channels * config.kernel_height * config.kernel_width
    assert lesson.cost.params == params
    assert f"= **{multiplications:,}**" in lesson.cost_text and f"= **{params:,}** (no bias)" in lesson.cost_text
    assert lesson.size_heading == f"Output size: {out_h}×{out_w}×{config.kernels}"
    assert lesson.answers == [("Output height", out_h), ("Output width", out_w)]


@settings(max_examples=25, deadline=None)
@given(height=st.integers(2, 16), width=st.integers(2, 16), channels=st.integers(1, 4),
       kernel_height=st.integers(1, 7), kernel_width=st.integers(1, 7), kernels=st.integers(1, 4),
       stride=st.integers(1, 3), padding=st.integers(0, 3), dilation=st.integers(1, 3), seed=st.integers(0, 99),
       operation=st.sampled_from(["correlation", "convolution"]))
def test_any_configuration_is_scipys_or_explained(height, width, channels, kernel_height, kernel_width, kernels,
                                                  stride, padding, dilation, seed, operation):
    config = Config(height=height, width=width, channels=channels, kernel_height=kernel_height,
                    kernel_width=kernel_width, kernels=kernels, kernel="random", seed=seed, stride=stride,
                    padding=padding, dilation=dilation, operation=operation)
    out_h = relation_15(height, kernel_height, stride, padding, dilation)
    out_w = relation_15(width, kernel_width, stride, padding, dilation)
    if out_h < 1 or out_w < 1:
        with pytest.raises(ConvConfigError, match="spans .* cells but the padded input is"):
            build(config)
        return
    lesson = build(config)
    np.testing.assert_allclose(lesson.trace.output, scipy_scan(lesson.image, lesson.weights, config), atol=1e-9)
    assert (lesson.out_height, lesson.out_width) == (out_h, out_w)
    assert (lesson.cost.multiplications, lesson.cost.additions) == counted(config, out_h, out_w)
    assert lesson.explanation.endswith(f"the output is {out_h}×{out_w}×{kernels}.")


# ---- convolution: the kernel turned by 180°

@pytest.mark.parametrize("kernel, effect", [("Sobel x", "changes sign"), ("box blur", "same as with cross-correlation"),
                                            ("random", "more than its sign")])
def test_convolution_explains_the_flip(kernel, effect):
    lesson = build(Config(kernel=kernel, operation="convolution", seed=1))
    plain = build(Config(kernel=kernel, seed=1))
    assert plain.flip is None
    assert lesson.cost == plain.cost
    assert effect in lesson.flip.effect
    assert "turned by 180°" in lesson.flip.note
    np.testing.assert_allclose(lesson.trace.kernels, lesson.weights[:, :, ::-1, ::-1])
    if kernel == "Sobel x":
        assert r"\begin{bmatrix}1 & 0 & -1 \\ 2 & 0 & -2 \\ 1 & 0 & -1\end{bmatrix}" in lesson.flip.kernels
        assert r"\begin{bmatrix}-1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1\end{bmatrix}" in lesson.flip.kernels
        np.testing.assert_array_equal(lesson.trace.output, -plain.trace.output)


def test_several_kernels_name_the_one_shown_flipped():
    assert "kernel 1, channel 1" in build(Config(channels=2, operation="convolution")).flip.kernels
    assert "kernel 1, channel 1" not in build(Config(operation="convolution")).flip.kernels


# ---- what cannot be built says what to change

@pytest.mark.parametrize("make, message", [
    (lambda: Config(operation="convolve"), '"correlation".*"convolution"'),
    (lambda: Config(kernel="Laplace"), "kernel 'Laplace' is not a preset: choose one of Sobel x"),
    (lambda: Config(input_values="noise"), "input values 'noise' are not a pattern"),
    (lambda: build(Config(height=3, kernel_height=7)), "kernel 7 spans 7 cells but the padded input is 3"),
    (lambda: build(Config(kernel_width=1)), "at least 2 wide"),
    (lambda: build(Config(stride=0)), "stride"),
])
def test_impossible_configurations_name_the_fix(make, message):
    with pytest.raises(ConvConfigError, match=message):
        make()


def test_the_code_view_is_this_configuration():
    lesson = build(Config(height=6, channels=2, kernels=2, stride=2, padding="same"))
    snippets = dict(lesson.code().items())
    assert len(snippets) == 3
    assert any("2 × 2 × 3 × 3 = 36" in text for text in snippets.values())
