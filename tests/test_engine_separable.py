"""Spatially separable kernels: factors, ranks, low-rank terms, the two passes and their cost."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from engine import (
    SEPARABLE_PRESETS,
    ConvConfigError,
    format_kernel,
    kernel_rank,
    low_rank,
    parse_kernel,
    separable_factors,
    separable_pass_costs,
    separable_preset,
    spatially_separable_cost,
    two_pass_conv2d,
)
from oracle import reference_conv2d

RANK_ONE = [name for name in SEPARABLE_PRESETS if name not in ("Laplacian", "sharpen")]


def test_sobel_factors_give_back_the_lectures_kernel_exactly():
    gx = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    col, row = separable_factors(gx)
    np.testing.assert_array_equal(col, [1, 2, 1])
    np.testing.assert_array_equal(row, [1, 0, -1])
    np.testing.assert_array_equal(np.outer(col, row), gx)
    # the lecture's other sign: [-1 0 1; -2 0 2; -1 0 1] = [1, 2, 1]^T x [-1, 0, 1]
    col, row = separable_factors(-gx)
    np.testing.assert_array_equal(np.outer(col, row), -gx)
    np.testing.assert_array_equal(row, [-1, 0, 1])


@pytest.mark.parametrize("name", RANK_ONE)
def test_rank_one_presets_factor_exactly(name):
    k = SEPARABLE_PRESETS[name]
    assert kernel_rank(k) == 1
    col, row = separable_factors(k)
    np.testing.assert_allclose(np.outer(col, row), k, atol=1e-12)
    assert np.allclose(col, np.round(col))  # the column is scaled to whole numbers


@pytest.mark.parametrize("k", [SEPARABLE_PRESETS["Laplacian"], SEPARABLE_PRESETS["sharpen"],
                               separable_preset("random", seed=3)])
def test_laplacian_sharpen_and_random_kernels_are_not_rank_one(k):
    assert kernel_rank(k) >= 2
    assert separable_factors(k) is None


def test_zero_kernel_is_trivially_separable():
    col, row = separable_factors(np.zeros((2, 3)))
    assert np.outer(col, row).shape == (2, 3) and not np.outer(col, row).any()


@pytest.mark.parametrize("seed", range(12))
def test_low_rank_error_falls_to_zero_at_full_rank(seed):
    rng = np.random.default_rng(seed)
    k = rng.normal(size=(int(rng.integers(2, 8)), int(rng.integers(2, 8))))
    terms = low_rank(k)
    errors = [terms.error(k, r) for r in range(0, min(k.shape) + 1)]
    assert all(a >= b - 1e-12 for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 1e-9
    assert errors[0] == pytest.approx(np.linalg.norm(k))
    # each term is itself separable
    for r in range(min(k.shape)):
        assert kernel_rank(np.outer(terms.cols[r], terms.rows[r])) == 1
    # Eckart-Young: the best rank-1 error is the root of the other squared singular values
    s = np.linalg.svd(k, compute_uv=False)
    assert errors[1] == pytest.approx(np.sqrt((s[1:] ** 2).sum()))


@pytest.mark.parametrize("name", RANK_ONE)
@pytest.mark.parametrize("stride, padding", [(1, 0), (1, "same"), (2, 1), ((1, 2), "full"), (3, "valid")])
def test_two_passes_equal_the_full_kernel_for_every_rank_one_preset(name, stride, padding):
    k = SEPARABLE_PRESETS[name]
    col, row = separable_factors(k)
    x = np.random.default_rng(1).integers(0, 10, size=(2, 9, 8)).astype(float)
    _, out = two_pass_conv2d(x, col, row, stride, padding)
    for c in range(2):
        expected = reference_conv2d(x[c:c + 1], k[None, None], *_explicit(x.shape[1:], k.shape, stride, padding))
        np.testing.assert_allclose(out[c], expected[0], atol=1e-9)


def _explicit(hw, kshape, stride, padding):
    s = stride if isinstance(stride, tuple) else (stride, stride)
    def pads(i, k, st):
        if padding == "same":
            o = -(-i // st)
            total = max((o - 1) * st + k - i, 0)
            return total // 2, total - total // 2
        if padding == "full":
            return k - 1, k - 1
        if padding == "valid":
            return 0, 0
        return padding, padding
    return s, (pads(hw[0], kshape[0], s[0]), pads(hw[1], kshape[1], s[1]))


@pytest.mark.parametrize("seed", range(20))
def test_two_passes_equal_scipy_for_random_rank_one_kernels(seed):
    rng = np.random.default_rng(100 + seed)
    col = rng.integers(-3, 4, size=int(rng.integers(1, 6))).astype(float)
    row = rng.integers(-3, 4, size=int(rng.integers(1, 6))).astype(float)
    x = rng.normal(size=(int(rng.integers(1, 4)), 10, 11))
    stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pad = int(rng.integers(0, 3))
    _, out = two_pass_conv2d(x, col, row, stride, pad)
    for c in range(x.shape[0]):
        expected = correlate2d(np.pad(x[c], pad), np.outer(col, row), mode="valid")[:: stride[0], :: stride[1]]
        np.testing.assert_allclose(out[c], expected, atol=1e-9)


def test_lecture_costs_81_against_45_plus_27():
    from engine import standard_cost
    assert standard_cost((1, 5, 5), 3, 1).multiplications == 81
    cost = spatially_separable_cost((5, 5), 3)
    assert cost.multiplications == 72
    first, second = separable_pass_costs((5, 5), 3)
    assert first.multiplications == 45 and first.out_shape == (1, 3, 5)  # 3x1: 3 x 5 positions x 3
    assert second.multiplications == 27 and second.out_shape == (1, 3, 3)  # 1x3: 3 x 3 positions x 3
    assert cost.params == 6  # the lecture: 6 instead of 9 parameters


def count_two_pass(x, col, row, stride, padding):
    """Multiplies counted one by one: a plain loop over both passes."""
    from engine.geometry import axis_padding
    c, h, w = x.shape
    kh, kw = len(col), len(row)
    s = stride if isinstance(stride, tuple) else (stride, stride)
    top, bottom = axis_padding(h, kh, s[0], padding, 1)
    left, right = axis_padding(w, kw, s[1], padding, 1)
    count = 0
    xp = np.pad(x, ((0, 0), (top, bottom), (0, 0)))
    ho = (h + top + bottom - kh) // s[0] + 1
    middle = np.zeros((c, ho, w))
    for ch in range(c):
        for i in range(ho):
            for j in range(w):
                for a in range(kh):
                    middle[ch, i, j] += xp[ch, i * s[0] + a, j] * col[a]
                    count += 1
    mp = np.pad(middle, ((0, 0), (0, 0), (left, right)))
    wo = (w + left + right - kw) // s[1] + 1
    for ch in range(c):
        for i in range(ho):
            for j in range(wo):
                for b in range(kw):
                    count += 1
    return count, (c, ho, wo)


@pytest.mark.parametrize("seed", range(15))
def test_separable_cost_formula_against_counted_multiplies(seed):
    rng = np.random.default_rng(seed)
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    h, w = int(rng.integers(kh, 12)), int(rng.integers(kw, 12))
    c = int(rng.integers(1, 4))
    stride = int(rng.integers(1, 3))
    padding = [0, 1, "same", "full"][int(rng.integers(4))]
    counted, shape = count_two_pass(np.ones((c, h, w)), np.ones(kh), np.ones(kw), stride, padding)
    cost = spatially_separable_cost((c, h, w), (kh, kw), stride, padding)
    assert cost.multiplications == counted
    assert cost.out_shape == shape


@pytest.mark.parametrize("text, expected", [
    ("1 2 1; 0 0 0; -1 -2 -1", [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
    ("1,2,1\n0,0,0", [[1, 2, 1], [0, 0, 0]]),
    ("1/16 2/16; 3 4", [[0.0625, 0.125], [3, 4]]),
    ("  −1  0.5 ;", [[-1, 0.5]]),
    ("7", [[7]]),
])
def test_kernel_parser_accepts_rows_of_numbers(text, expected):
    np.testing.assert_allclose(parse_kernel(text), expected)


@pytest.mark.parametrize("text, message", [
    ("", "the kernel is empty"),
    ("1 2; 3", "every row needs the same count of numbers; these rows have 2, 1"),
    ("1 x 1", 'row 1: "x" is not a number'),
    ("1 2; 3 <script>", 'row 2: "<script>" is not a number'),
    ("nan 1", 'row 1: "nan" is not a number'),
    ("1/0", 'row 1: "1/0" divides by zero'),
    ("1e9", "too large"),
    ("; ".join(["1 1"] * 8), "larger than 7×7"),
    (" ".join(["1"] * 8), "larger than 7×7"),
    ("1 " * 3000, "characters long"),
])
def test_kernel_parser_refuses_anything_else_with_a_reason(text, message):
    with pytest.raises(ConvConfigError) as raised:
        parse_kernel(text)
    assert message in str(raised.value)


def test_format_kernel_round_trips():
    for k in [SEPARABLE_PRESETS["Sobel x (lecture: 1 0 −1)"], np.array([[0.5, -0.25]])]:
        np.testing.assert_array_equal(parse_kernel(format_kernel(k)), k)
