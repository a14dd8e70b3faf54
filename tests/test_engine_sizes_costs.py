"""Output sizes against Dumoulin & Visin (2016), costs against counted multiplies and the lecture."""

import itertools
import math

import numpy as np
import pytest

from engine import ConvConfigError, Cost, conv2d_loop, output_size, scan_trace, standard_cost

SIZES = range(1, 12)
KERNELS = range(1, 6)
STRIDES = range(1, 4)
PADS = range(0, 4)


def fits(i, k, p=0, d=1):
    return (k - 1) * d + 1 <= i + 2 * p


def test_relation_1_no_padding_unit_stride():
    for i, k in itertools.product(SIZES, KERNELS):
        if fits(i, k):
            assert output_size(i, k) == (i - k) + 1


def test_relation_2_zero_padding_unit_stride():
    for i, k, p in itertools.product(SIZES, KERNELS, PADS):
        if fits(i, k, p):
            assert output_size(i, k, padding=p) == (i - k) + 2 * p + 1


def test_relation_3_half_padding_keeps_the_size():
    for i, n in itertools.product(SIZES, range(0, 3)):
        k = 2 * n + 1
        if fits(i, k, n):
            assert output_size(i, k, padding=n) == i
            assert output_size(i, k, padding="same") == i


def test_relation_4_full_padding_grows_by_k_minus_1():
    for i, k in itertools.product(SIZES, KERNELS):
        assert output_size(i, k, padding=k - 1) == i + (k - 1)
        assert output_size(i, k, padding="full") == i + (k - 1)


def test_relation_5_no_padding_strided():
    for i, k, s in itertools.product(SIZES, KERNELS, STRIDES):
        if fits(i, k):
            assert output_size(i, k, stride=s) == math.floor((i - k) / s) + 1


def test_relation_6_padding_and_stride():
    for i, k, s, p in itertools.product(SIZES, KERNELS, STRIDES, PADS):
        if fits(i, k, p):
            assert output_size(i, k, stride=s, padding=p) == math.floor((i + 2 * p - k) / s) + 1


def test_relations_7_to_14_transposed_convolution_inverts_the_size():
    """A transposed convolution with the same k, s, p maps the output size back to the input
    size: o' = s(i' - 1) + a + k - 2p with a = (i + 2p - k) mod s (relations 7 to 14)."""
    for i, k, s, p in itertools.product(SIZES, KERNELS, STRIDES, PADS):
        if fits(i, k, p):
            o = output_size(i, k, stride=s, padding=p)
            a = (i + 2 * p - k) % s
            assert s * (o - 1) + a + k - 2 * p == i


def test_relation_15_dilation():
    for i, k, s, p, d in itertools.product(SIZES, KERNELS, STRIDES, PADS, range(1, 4)):
        if fits(i, k, p, d):
            expected = math.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1
            assert output_size(i, k, stride=s, padding=p, dilation=d) == expected


def test_same_padding_with_stride_gives_ceil():
    for i, k, s in itertools.product(SIZES, KERNELS, STRIDES):
        assert output_size(i, k, stride=s, padding="same") == math.ceil(i / s)


def test_output_size_rejects_a_kernel_that_does_not_fit():
    with pytest.raises(ConvConfigError, match="kernel 3 with dilation 3 spans 7 cells but the padded input is 5"):
        output_size(5, 3, dilation=3)


def random_cost_cases(count=60, seed=11):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        c, n = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(2, 9)), int(rng.integers(2, 9))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride, dilation = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        padding = [0, 1, 2, "same", "full"][int(rng.integers(5))]
        bias = bool(rng.integers(2))
        try:
            output_size(h, kh, stride, padding, dilation), output_size(w, kw, stride, padding, dilation)
        except ConvConfigError:
            continue
        cases.append((c, n, h, w, kh, kw, stride, padding, dilation, bias))
    return cases


@pytest.mark.parametrize("case", random_cost_cases())
def test_standard_cost_equals_the_multiplies_counted_in_the_loop(case):
    c, n, h, w, kh, kw, stride, padding, dilation, bias = case
    counter = {}
    out = conv2d_loop(np.ones((c, h, w)), np.ones((n, c, kh, kw)), stride, padding, dilation,
                      bias=np.zeros(n) if bias else None, counter=counter)
    cost = standard_cost((c, h, w), (kh, kw), n, stride, padding, dilation, bias=bias)
    assert cost.multiplications == counter["multiplications"]
    assert cost.additions == counter["additions"]
    assert cost.params == n * c * kh * kw + (n if bias else 0)
    assert cost.out_shape == out.shape


@pytest.mark.parametrize(
    "in_shape, kernel, kernels, multiplications, out_shape",
    [
        ((1, 5, 5), 3, 1, 81, (1, 3, 3)),  # lecture, example 1: 9 positions x 9 multiplications
        ((3, 7, 7), 3, 128, 86_400, (128, 5, 5)),  # lecture, first table, standard convolution
        ((3, 12, 12), 5, 256, 1_228_800, (256, 8, 8)),  # lecture, second table
    ],
)
def test_lecture_figures(in_shape, kernel, kernels, multiplications, out_shape):
    cost = standard_cost(in_shape, kernel, kernels)
    assert cost.multiplications == multiplications
    assert cost.out_shape == out_shape


def test_costs_add_up_keeping_the_later_shape():
    a = Cost(675, 600, 27, (3, 5, 5))
    b = Cost(9600, 9225, 384, (128, 5, 5))
    assert a + b == Cost(10_275, 9825, 411, (128, 5, 5))


def test_scan_trace_matches_conv2d_and_counts_like_the_cost():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 9, size=(2, 6, 7)).astype(float)
    w = rng.integers(-2, 3, size=(3, 2, 3, 2)).astype(float)
    trace = scan_trace(x, w, stride=(2, 1), padding="same", dilation=(1, 2))
    counter = {}
    expected = conv2d_loop(x, w, (2, 1), "same", (1, 2), counter=counter)
    np.testing.assert_allclose(trace.output, expected)
    assert trace.steps == expected.size
    assert trace.multiplications_so_far[-1] == counter["multiplications"]
    assert trace.multiplications_so_far[-1] == standard_cost((2, 6, 7), (3, 2), 3, (2, 1), "same", (1, 2)).multiplications
    # every step: the products are the sampled cells times the kernel, and they sum to the output
    for s in range(trace.steps):
        rows, cols = trace.sampled_cells(s)
        n = trace.kernel_index[s]
        cells = trace.padded[:, rows[:, None], cols[None, :]]
        np.testing.assert_allclose(trace.products[s], cells * w[n])
        assert trace.sums[s] == expected[n, trace.out_row[s], trace.out_col[s]]
    # the steps go kernel by kernel, row by row, column by column
    order = list(zip(trace.kernel_index, trace.out_row, trace.out_col))
    assert order == sorted(order)
