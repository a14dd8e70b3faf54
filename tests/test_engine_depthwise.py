"""Depthwise, pointwise and grouped convolution against scipy, loops and the lecture's tables."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from engine import (
    ConvConfigError,
    conv2d,
    depthwise_conv2d,
    depthwise_conv2d_loop,
    depthwise_cost,
    depthwise_separable_cost,
    equivalent_kernel,
    grouped_conv2d,
    grouped_cost,
    output_size,
    pointwise_conv2d,
    pointwise_conv2d_loop,
    pointwise_cost,
    standard_cost,
)
from oracle import dilate
from test_engine_conv import explicit_pads


def depthwise_configs(count=80, seed=31):
    rng = np.random.default_rng(seed)
    made = []
    while len(made) < count:
        c, m = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        h, w = int(rng.integers(3, 10)), int(rng.integers(3, 10))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = [0, 1, 2, "same", "full", "valid"][int(rng.integers(6))]
        try:
            output_size(h, kh, stride[0], padding, dilation[0]), output_size(w, kw, stride[1], padding, dilation[1])
        except ConvConfigError:
            continue
        made.append((rng.normal(size=(c, h, w)), rng.normal(size=(c * m, kh, kw)), stride, padding, dilation))
    return made


@pytest.mark.parametrize("case", depthwise_configs())
def test_depthwise_against_per_channel_scipy_and_the_loop(case):
    x, w, stride, padding, dilation = case
    m = w.shape[0] // x.shape[0]
    pads = explicit_pads(x.shape[1], x.shape[2], w.shape[1], w.shape[2], stride, padding, dilation)
    expected = np.stack([
        correlate2d(np.pad(x[j // m], pads), dilate(w[j], *dilation), mode="valid")[:: stride[0], :: stride[1]]
        for j in range(w.shape[0])
    ])
    counter = {}
    np.testing.assert_allclose(depthwise_conv2d(x, w, stride, padding, dilation), expected, atol=1e-9)
    np.testing.assert_allclose(depthwise_conv2d_loop(x, w, stride, padding, dilation, counter), expected, atol=1e-9)
    cost = depthwise_cost(x.shape, w.shape[1:], m, stride, padding, dilation)
    assert cost.multiplications == counter["multiplications"] and cost.additions == counter["additions"]
    assert cost.out_shape == expected.shape


@pytest.mark.parametrize("seed", range(10))
def test_pointwise_is_a_matrix_product_and_matches_the_loop(seed):
    rng = np.random.default_rng(seed)
    c, n, h, w = (int(v) for v in rng.integers(1, 7, size=4))
    x, k = rng.normal(size=(c, h, w)), rng.normal(size=(n, c))
    expected = np.einsum("nc,chw->nhw", k, x)
    counter = {}
    np.testing.assert_allclose(pointwise_conv2d(x, k), expected)
    np.testing.assert_allclose(pointwise_conv2d_loop(x, k, counter), expected)
    np.testing.assert_allclose(pointwise_conv2d(x, k), conv2d(x, k[:, :, None, None]))
    cost = pointwise_cost(x.shape, n)
    assert cost.multiplications == counter["multiplications"] and cost.additions == counter["additions"]


@pytest.mark.parametrize("seed", range(10))
def test_depthwise_then_pointwise_equals_the_equivalent_standard_kernel(seed):
    rng = np.random.default_rng(50 + seed)
    c, m, n = int(rng.integers(1, 5)), int(rng.integers(1, 3)), int(rng.integers(1, 6))
    x = rng.normal(size=(c, 8, 9))
    d, p = rng.normal(size=(c * m, 3, 3)), rng.normal(size=(n, c * m))
    w = equivalent_kernel(d, p, c)
    assert w.shape == (n, c, 3, 3)
    separable = pointwise_conv2d(depthwise_conv2d(x, d, 2, 1), p)
    np.testing.assert_allclose(separable, conv2d(x, w, 2, 1), atol=1e-9)
    if m == 1:
        np.testing.assert_allclose(w, p[:, :, None, None] * d[None])  # W[n, c] = P[n, c] · D[c]


def test_grouped_convolution_spans_standard_to_depthwise():
    rng = np.random.default_rng(9)
    x, c = rng.normal(size=(4, 7, 7)), 4
    w1 = rng.normal(size=(6, 4, 3, 3))
    np.testing.assert_allclose(grouped_conv2d(x, w1, groups=1), conv2d(x, w1))
    wc = rng.normal(size=(c, 1, 3, 3))
    np.testing.assert_allclose(grouped_conv2d(x, wc, groups=c), depthwise_conv2d(x, wc[:, 0]))
    w2 = rng.normal(size=(6, 2, 3, 3))
    np.testing.assert_allclose(grouped_conv2d(x, w2, groups=2, padding=1),
                               grouped_conv2d(x, w2, groups=2, padding=1, loop=True), atol=1e-9)
    for g in (1, 2, 4):
        n = 4
        assert grouped_cost((4, 7, 7), 3, n, groups=g).multiplications == n * 5 * 5 * (4 // g) * 9
    assert grouped_cost((4, 7, 7), 3, 4, groups=4).multiplications == depthwise_cost((4, 7, 7), 3).multiplications
    assert grouped_cost((4, 7, 7), 3, 8, groups=1) == standard_cost((4, 7, 7), 3, 8)
    with pytest.raises(ConvConfigError, match="cannot be split into 3 equal groups"):
        grouped_cost((4, 7, 7), 3, 6, groups=3)


@pytest.mark.parametrize("in_shape, k, n, out, standard, depthwise, pointwise", [
    ((3, 7, 7), 3, 128, (5, 5), 86_400, 675, 9_600),  # the lecture's first table
    ((3, 12, 12), 5, 256, (8, 8), 1_228_800, 4_800, 49_152),  # the lecture's second table
])
def test_the_lectures_tables_every_cell(in_shape, k, n, out, standard, depthwise, pointwise):
    c = in_shape[0]
    s = standard_cost(in_shape, k, n)
    d = depthwise_cost(in_shape, k)
    p = pointwise_cost(d.out_shape, n)
    # kernel size x times moved x number of kernels, as the lecture writes each product
    assert s.multiplications == (k * k * c) * (out[0] * out[1]) * n == standard
    assert d.multiplications == (k * k * 1) * (out[0] * out[1]) * c == depthwise
    assert p.multiplications == (1 * 1 * c) * (out[0] * out[1]) * n == pointwise
    assert depthwise_separable_cost(in_shape, k, n).multiplications == depthwise + pointwise
    assert d.out_shape == (c,) + out and p.out_shape == (n,) + out == s.out_shape


def test_the_lectures_depthwise_example_6x6x16():
    cost = depthwise_cost((16, 6, 6), 3)
    assert cost.out_shape == (16, 4, 4)
    assert cost.params == 16 * 3 * 3
    x = np.random.default_rng(0).normal(size=(16, 6, 6))
    assert depthwise_conv2d(x, np.ones((16, 3, 3))).shape == (16, 4, 4)


def test_bias_follows_keras_separable_conv2d():
    # SeparableConv2D(128, 3) on 7x7x3: 27 depthwise + 384 pointwise weights + 128 biases
    assert depthwise_separable_cost((3, 7, 7), 3, 128, bias=True).params == 27 + 384 + 128
    assert depthwise_separable_cost((3, 7, 7), 3, 128).params == 27 + 384
    assert depthwise_separable_cost((3, 7, 7), 3, 128, bias=True).additions == \
        depthwise_separable_cost((3, 7, 7), 3, 128).additions + 128 * 25


@pytest.mark.parametrize("call, message", [
    (lambda: depthwise_conv2d(np.zeros((3, 5, 5)), np.zeros((4, 3, 3))), "cannot be shared out over 3 channels"),
    (lambda: pointwise_conv2d(np.zeros((3, 5, 5)), np.zeros((4, 2))), "one weight per input channel"),
    (lambda: depthwise_cost((3, 5, 5), 3, multiplier=0), "depth multiplier must be at least 1"),
    (lambda: grouped_conv2d(np.zeros((4, 5, 5)), np.zeros((4, 3, 3, 3)), groups=2), "each kernel spans 2 channels"),
])
def test_impossible_configurations_are_explained(call, message):
    with pytest.raises(ConvConfigError, match=message):
        call()
