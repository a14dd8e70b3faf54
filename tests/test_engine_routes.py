"""The engine's routes for large problems, forced onto small ones so that their oracle checks are fast.

conv2d gathers windows in blocks of output rows once a problem passes IM2COL_LIMIT cells; depthwise
gathers a few channels per block (DEPTHWISE_BLOCK) and switches to shift-and-add with BLAS axpy once
a kernel has AXPY_MIN_RUN output cells, in calls of at most AXPY_PIECE cells. The page-sized inputs of
the other tests never reach these routes; here the thresholds are lowered until every route runs.
"""

import numpy as np
import pytest
import scipy.signal

import engine
from engine import conv as engine_conv
from engine import depthwise as engine_depthwise


def configs(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        c, h, w = int(rng.integers(1, 5)), int(rng.integers(3, 12)), int(rng.integers(3, 12))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = [0, 1, 2, "same", "full", "valid"][int(rng.integers(0, 6))]
        yield rng, c, h, w, kh, kw, stride, dilation, padding


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_conv2d_in_blocks_of_output_rows_matches_the_loop(monkeypatch, limit):
    monkeypatch.setattr(engine_conv, "IM2COL_LIMIT", limit)
    checked = 0
    for rng, c, h, w, kh, kw, stride, dilation, padding in configs(limit, 60):
        x = rng.integers(-5, 6, size=(c, h, w)).astype(float)
        k = rng.integers(-3, 4, size=(2, c, kh, kw)).astype(float)
        try:
            expected = engine.conv2d_loop(x, k, stride, padding, dilation)
        except engine.ConvConfigError:
            continue
        np.testing.assert_array_equal(engine.conv2d(x, k, stride, padding, dilation), expected)
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("block, min_run, piece", [(1, 10**9, 10_000), (64, 0, 7), (10**6, 0, 3), (5, 1, 1)])
def test_depthwise_blocks_and_axpy_match_the_loop(monkeypatch, block, min_run, piece):
    monkeypatch.setattr(engine_depthwise, "DEPTHWISE_BLOCK", block)
    monkeypatch.setattr(engine_depthwise, "AXPY_MIN_RUN", min_run)
    monkeypatch.setattr(engine_depthwise, "AXPY_PIECE", piece)
    checked = 0
    for rng, c, h, w, kh, kw, stride, dilation, padding in configs(block + piece, 60):
        m = int(rng.integers(1, 3))
        x = rng.integers(-5, 6, size=(c, h, w)).astype(float)
        k = rng.integers(-3, 4, size=(c * m, kh, kw)).astype(float)
        try:
            expected = engine.depthwise_conv2d_loop(x, k, stride, padding, dilation)
        except engine.ConvConfigError:
            continue
        np.testing.assert_allclose(engine.depthwise_conv2d(x, k, stride, padding, dilation), expected, atol=1e-9)
        checked += 1
    assert checked > 30


def test_depthwise_axpy_on_a_large_map_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 70, 90))
    k = rng.standard_normal((3, 3, 3))
    out = engine.depthwise_conv2d(x, k)  # 68×88 = 5,984 outputs per kernel: the axpy route
    for c in range(3):
        np.testing.assert_allclose(out[c], scipy.signal.correlate2d(x[c], k[c], mode="valid"), rtol=1e-10, atol=1e-10)
