"""Property-based tests (Hypothesis) of the engine's public functions (issue 12).

Each property is checked against an outside oracle where one exists: scipy.signal.correlate2d and
convolve2d (tests/oracle.py), the engine's plain-loop twins, NumPy, or a count made by hand from the
formula in the docstring. Values range over subnormals, huge magnitudes, negative zero, NaN and
infinity; sizes over 0, negative numbers and integers far beyond 64 bits; shapes are small and random.
parse_kernel and format_kernel are tested elsewhere.

Rounding. Two ways of summing the same n products differ, and each is within about n·eps·M of the
exact sum, M being the same sum over |products|, plus half the smallest subnormal for every product
that underflows. `assert_rounded` checks twice that bound. Overflow: where M overflows, IEEE
arithmetic has no order-free answer (1e308 + 1e308 - 1e308 is inf or 1e308 by the order of the
additions), so there the engine may give inf, NaN or a number; everywhere else it must give a
finite number within the bound of the oracle's. Negative zero: results are compared as numbers, so
the sign of a zero result is not asserted (BLAS starts its sums at +0, the loop twins at the first
product).

NaN and inf. The kernel-analysis functions (singular_values, kernel_rank, separable_factors, low_rank)
refuse a non-finite kernel with a ConvConfigError; the convolutions do not check and compute as IEEE
arithmetic does: their NaN and ±inf cells are exactly the loop twin's (and scipy's), 0 · inf = NaN
on a padding cell included.

Determinism: every test takes its settings from the profile "engine-ci" registered here
(derandomize=True, no example database): the examples are a function of each test's source, so a CI
run tests the same examples every time and never fails on one it has not seen before. Set
ENGINE_PROPERTIES_PROFILE=engine-explore to draw new random examples, ten times as many, when
looking for new failures.
"""

import os
from collections import namedtuple

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.linalg import svdvals
from scipy.signal import convolve2d, correlate2d

from engine import (
    PADDING_MODES,
    ConvConfigError,
    Cost,
    conv2d,
    conv2d_loop,
    dense_cost,
    depthwise_conv2d,
    depthwise_conv2d_loop,
    depthwise_cost,
    depthwise_separable_cost,
    depthwise_trace,
    effective_span,
    equivalent_kernel,
    flat_index,
    flatten,
    flip_kernel,
    global_average_pool_cost,
    grouped_conv2d,
    grouped_cost,
    kernel_rank,
    low_rank,
    output_size,
    plan,
    pointwise_conv2d,
    pointwise_conv2d_loop,
    pointwise_cost,
    scan_trace,
    separable_factors,
    separable_pass_costs,
    singular_values,
    source_of,
    spatially_separable_cost,
    standard_cost,
    two_pass_conv2d,
)
from oracle import dilate, reference_conv2d
from test_engine_conv import explicit_pads
from test_engine_separable import count_two_pass

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow and 0 · inf, asserted below

settings.register_profile("engine-ci", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("engine-explore", derandomize=False, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("ENGINE_PROPERTIES_PROFILE", "engine-ci")
SCALE = 10 if PROFILE == "engine-explore" else 1


def examples(count: int) -> settings:
    return settings(settings.get_profile(PROFILE), max_examples=count * SCALE)


EPS = np.finfo(float).eps
TINY = 5e-324  # the smallest subnormal: twice the most an underflowing product is rounded by
HUGE = np.finfo(float).max / 4  # a sum of |products| above this may overflow in one order and not another
SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, -1e-300, 1e300, -1e300,
           1.0, -1.0, 0.5]
ORDINARY = st.floats(-1e6, 1e6)  # Hypothesis draws subnormals and -0.0 here too
VALUES = st.one_of(ORDINARY, ORDINARY, st.sampled_from(SPECIAL), st.floats(allow_nan=False, allow_infinity=False))
NON_FINITE = st.one_of(ORDINARY, st.sampled_from([0.0, -0.0, 5e-324, np.nan, np.inf, -np.inf]))


def arrays(shape, elements=VALUES):
    return hnp.arrays(np.float64, shape, elements=elements)


def magnitude(f, x, w, *rest):
    """f (a bilinear oracle) on |x| and |w|: the sums of |products| that bound the rounding."""
    return f(np.abs(x), np.abs(w), *rest)


def assert_rounded(actual, expected, size, terms, floor=0.0):
    """actual and expected are two computations of the same sums of `terms` products each; size is the
    same sums over |products|, floor an extra allowance for underflow in intermediate results."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    safe = np.asarray(size) < HUGE  # False where size is inf or NaN
    assert np.isfinite(actual[safe]).all(), "non-finite where the sum of |products| does not overflow"
    tolerance = 2 * terms * (EPS * size + TINY) + floor
    wrong = safe & ~(np.abs(actual - expected) <= tolerance)
    assert not wrong.any(), f"{actual[wrong][:4]} instead of {expected[wrong][:4]} (tolerance {tolerance[wrong][:4]})"


def assert_same_non_finite(actual, expected):
    """NaN, +inf and -inf in the same cells."""
    for kind in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(kind(actual), kind(expected), err_msg=kind.__name__)


def assert_like_ieee(actual, expected, size, terms):
    """With NaN or inf among the inputs: the same non-finite cells, and the finite ones within the
    rounding bound (size: the sums of |products| over the finite inputs)."""
    assert_same_non_finite(actual, expected)
    finite = np.isfinite(expected)
    assert_rounded(np.where(finite, actual, 0), np.where(finite, expected, 0), size, terms)


def finite_part(a):
    return np.where(np.isfinite(a), a, 0.0)


def pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


# ---------------------------------------------------------------------------------------------------
# Geometry: output_size, plan, effective_span against Dumoulin & Visin, for any integers

INTS = st.one_of(st.integers(1, 9), st.integers(1, 9), st.integers(-3, 0), st.integers(-(2**80), 2**80),
                 st.sampled_from([2**63 - 1, 2**63, 2**64 + 1, -(2**63), 10**30, 10**17 + 1]))
PADDING = st.one_of(INTS, st.sampled_from(PADDING_MODES), st.tuples(INTS, INTS))  # one axis; a tuple is (before, after)


def axis_model(i, k, s, p, d):
    """One axis by Dumoulin & Visin: (names of the wrong parameters, None) or (set(), (pads, output size))."""
    pads_given = p if isinstance(p, tuple) else (p,) if isinstance(p, int) else ()
    wrong = {name for name, bad in (("input size", i < 1), ("kernel", k < 1), ("stride", s < 1),
                                    ("dilation", d < 1), ("padding", any(q < 0 for q in pads_given))) if bad}
    if wrong:
        return wrong, None
    pads = p if isinstance(p, tuple) else explicit_pads(i, i, k, k, (s, s), p, (d, d))[0]
    span = k + (k - 1) * (d - 1)
    if span > i + sum(pads):
        return {"kernel"}, None
    return set(), (pads, (i + sum(pads) - span) // s + 1)


def model(hw, kernel, stride, padding, dilation):
    """Both axes; padding is one form for both or a (rows, cols) pair of forms, as conv2d takes it."""
    axes = [axis_model(*args) for args in zip(hw, pair(kernel), pair(stride), pair(padding), pair(dilation))]
    wrong = set().union(*(w for w, _ in axes))
    return (wrong, None) if wrong else (wrong, tuple(zip(*(result for _, result in axes))))


def refused_or_equal(call, wrong, expected):
    """call() raises a ConvConfigError naming one of `wrong` when that is not empty, else returns expected."""
    if wrong:
        with pytest.raises(ConvConfigError) as raised:
            call()
        assert any(name in str(raised.value) for name in wrong), (str(raised.value), wrong)
    else:
        assert call() == expected


@given(i=INTS, k=INTS, s=INTS, p=PADDING, d=INTS)
@example(i=10**17 + 1, k=3, s=1, p="same", d=1)  # ceil(i / s) in floats was one short
@examples(400)
def test_output_size_is_dumoulin_visin_or_names_the_wrong_parameter(i, k, s, p, d):
    wrong, result = axis_model(i, k, s, p, d)
    refused_or_equal(lambda: output_size(i, k, s, p, d), wrong, result and result[1])
    if not wrong and isinstance(p, int):  # relation 15, as the docstring writes it, in whole numbers
        assert output_size(i, k, s, p, d) == (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1
    if not wrong and p == "same":
        assert output_size(i, k, s, p, d) == -(-i // s)


@given(hw=st.tuples(INTS, INTS), kernel=st.one_of(INTS, st.tuples(INTS, INTS)), stride=st.one_of(INTS, st.tuples(INTS, INTS)),
       padding=st.one_of(INTS, st.sampled_from(PADDING_MODES), st.tuples(PADDING, PADDING)),
       dilation=st.one_of(INTS, st.tuples(INTS, INTS)))
@examples(400)
def test_plan_is_dumoulin_visin_on_both_axes_or_names_the_wrong_parameter(hw, kernel, stride, padding, dilation):
    wrong, result = model(hw, kernel, stride, padding, dilation)
    if wrong:
        refused_or_equal(lambda: plan(hw, kernel, stride, padding, dilation), wrong, None)
        return
    g = plan(hw, kernel, stride, padding, dilation)
    assert (g.pads, g.out) == result
    assert (g.kernel, g.stride, g.dilation) == (pair(kernel), pair(stride), pair(dilation))


NOT_WHOLE = st.sampled_from([1.5, 2.0, np.float64(3.0), True, False, "3", None, (3, 3), [2], float("nan")])


@given(position=st.integers(0, 4), value=NOT_WHOLE)
@examples(60)
def test_output_size_refuses_what_is_not_one_whole_number_naming_it(position, value):
    args = [7, 3, 1, 1, 1]
    args[position] = value
    name = ("input size", "kernel size", "stride", "padding", "dilation")[position]
    if position == 3 and isinstance(value, (tuple, list)) and len(value) == 2:
        return  # a (before, after) pair is a padding output_size takes
    with pytest.raises(ConvConfigError, match=name):
        output_size(*args)


@given(position=st.integers(0, 5), value=NOT_WHOLE)
@examples(80)
def test_plan_refuses_what_is_not_a_whole_number_naming_it(position, value):
    args = [(7, 6), 3, 1, 1, 1]
    if position < 2:
        args[0] = (value, 6) if position == 0 else (7, value)
    else:
        args[position - 1] = value
    name = ("input size", "input size", "kernel size", "stride", "padding", "dilation")[position]
    if isinstance(value, (tuple, list)) and len(value) == 2 and position >= 2:
        return  # a pair is a (rows, cols) setting there
    with pytest.raises(ConvConfigError, match=name):
        plan(*args)


@given(k=INTS, d=INTS)
@examples(100)
def test_effective_span_is_the_formula_and_the_width_of_the_dilated_kernel(k, d):
    assert effective_span(k, d) == k + (k - 1) * (d - 1)
    if 1 <= k <= 7 and 1 <= d <= 7:
        assert dilate(np.ones((k, 1)), d, 1).shape[0] == effective_span(k, d)


# ---------------------------------------------------------------------------------------------------
# Costs: the docstring formulas for any integers, or a ConvConfigError naming the wrong parameter

SHAPE_NAMES = (("channels",), ("height", "input size"), ("width", "input size"))
LAYER = dict(in_shape=st.tuples(INTS, INTS, INTS), kernel=st.one_of(INTS, st.tuples(INTS, INTS)), stride=INTS,
             padding=st.one_of(INTS, st.sampled_from(PADDING_MODES)), dilation=INTS, bias=st.booleans())


def shape_wrong(in_shape):
    return {name for size, names in zip(in_shape, SHAPE_NAMES) if size < 1 for name in names}


def at_least_one(value, name):
    return {name} if value < 1 else set()


def layer_model(in_shape, kernel, stride, padding, dilation, wrong):
    """(wrong parameters, None) or (set(), (kh, kw, Ho, Wo)) for a layer over a (C, H, W) input."""
    wrong = wrong | shape_wrong(in_shape)
    wrong_place, result = model(in_shape[1:], kernel, stride, padding, dilation)
    wrong |= wrong_place
    return (wrong, None) if wrong else (wrong, (*pair(kernel), *result[1]))


def sliding_cost(kernels, products, out_hw, bias):
    """The docstrings' count: each of `kernels` kernels makes `products` products at each of Ho x Wo places."""
    places = kernels * out_hw[0] * out_hw[1]
    return Cost(places * products, places * (products - 1 + bias), kernels * (products + bias), (kernels, *out_hw))


@given(**LAYER, n=INTS)
@examples(300)
def test_standard_cost_is_its_formula_or_names_the_wrong_parameter(in_shape, kernel, stride, padding, dilation, bias, n):
    wrong, found = layer_model(in_shape, kernel, stride, padding, dilation, at_least_one(n, "number of kernels"))
    expected = found and sliding_cost(n, in_shape[0] * found[0] * found[1], found[2:], bias)
    refused_or_equal(lambda: standard_cost(in_shape, kernel, n, stride, padding, dilation, bias), wrong, expected)


@given(**LAYER, m=INTS)
@examples(300)
def test_depthwise_cost_is_its_formula_or_names_the_wrong_parameter(in_shape, kernel, stride, padding, dilation, bias, m):
    wrong, found = layer_model(in_shape, kernel, stride, padding, dilation, at_least_one(m, "depth multiplier"))
    expected = found and sliding_cost(in_shape[0] * m, found[0] * found[1], found[2:], bias)
    refused_or_equal(lambda: depthwise_cost(in_shape, kernel, m, stride, padding, dilation, bias), wrong, expected)


@given(in_shape=st.tuples(INTS, INTS, INTS), n=INTS, bias=st.booleans())
@example(in_shape=(1, -2, 5), n=3, bias=False)  # was Cost(-30, ...)
@examples(200)
def test_pointwise_cost_is_its_formula_or_names_the_wrong_parameter(in_shape, n, bias):
    wrong = shape_wrong(in_shape) | at_least_one(n, "number of kernels")
    refused_or_equal(lambda: pointwise_cost(in_shape, n, bias), wrong,
                     None if wrong else sliding_cost(n, in_shape[0], in_shape[1:], bias))


@given(**LAYER, n=INTS)
@examples(300)
def test_depthwise_separable_cost_is_its_formula_or_names_the_wrong_parameter(in_shape, kernel, stride, padding,
                                                                             dilation, bias, n):
    wrong, found = layer_model(in_shape, kernel, stride, padding, dilation, at_least_one(n, "number of kernels"))
    c = in_shape[0]
    expected = found and sliding_cost(c, found[0] * found[1], found[2:], False) + sliding_cost(n, c, found[2:], bias)
    refused_or_equal(lambda: depthwise_separable_cost(in_shape, kernel, n, stride, padding, dilation, bias), wrong, expected)


@given(**{**LAYER, "kernel": INTS}, n=INTS, groups=st.one_of(st.integers(1, 4), INTS))
@example(in_shape=(2, 5, 5), kernel=3, stride=1, padding=0, dilation=1, bias=False, n=-2, groups=1)  # was Cost(-36, ...)
@examples(300)
def test_grouped_cost_is_its_formula_or_names_the_wrong_parameter(in_shape, kernel, stride, padding, dilation, bias, n, groups):
    c = in_shape[0]
    wrong = at_least_one(n, "number of kernels")
    if groups < 1 or (c >= 1 and c % groups) or (n >= 1 and n % groups):
        wrong.add("groups")
    wrong, found = layer_model(in_shape, kernel, stride, padding, dilation, wrong)
    expected = found and sliding_cost(n, c // groups * kernel * kernel, found[2:], bias)
    refused_or_equal(lambda: grouped_cost(in_shape, kernel, n, groups, stride, padding, dilation, bias), wrong, expected)


@given(in_shape=st.one_of(st.tuples(INTS, INTS), st.tuples(INTS, INTS, INTS)), kernel=st.one_of(INTS, st.tuples(INTS, INTS)),
       stride=st.one_of(INTS, st.tuples(INTS, INTS)), padding=st.one_of(INTS, st.sampled_from(PADDING_MODES)))
@example(in_shape=(0, 5, 5), kernel=3, stride=1, padding=0)  # no channels: Cost(0, ...) today, not a refusal
@example(in_shape=(-1, 5, 5), kernel=3, stride=1, padding=0)  # Cost(-45, ...) today
@examples(300)
def test_spatially_separable_costs_are_their_formula_or_name_the_wrong_parameter(in_shape, kernel, stride, padding):
    c, h, w = (1, *in_shape) if len(in_shape) == 2 else in_shape
    wrong, result = model((h, w), kernel, stride, padding, 1)
    wrong |= shape_wrong((c, h, w)) | ({"in_shape"} if min(c, h, w) < 1 else set())
    expected = None
    if not wrong:
        (kh, kw), (ho, wo) = pair(kernel), result[1]
        expected = (Cost(c * ho * w * kh, c * ho * w * (kh - 1), kh, (c, ho, w)),
                    Cost(c * ho * wo * kw, c * ho * wo * (kw - 1), kw, (c, ho, wo)))
    refused_or_equal(lambda: separable_pass_costs(in_shape, kernel, stride, padding), wrong, expected)
    refused_or_equal(lambda: spatially_separable_cost(in_shape, kernel, stride, padding), wrong,
                     expected and expected[0] + expected[1])


@given(inputs=INTS, units=INTS, bias=st.booleans())
@examples(100)
def test_dense_cost_is_its_formula_or_names_the_wrong_parameter(inputs, units, bias):
    wrong = ({"input"} if inputs < 1 else set()) | ({"unit"} if units < 1 else set())
    expected = None if wrong else Cost(inputs * units, units * (inputs - 1 + bias), inputs * units + units * bias, (units,))
    refused_or_equal(lambda: dense_cost(inputs, units, bias), wrong, expected)


@given(value=NOT_WHOLE)
@example(value=1.5)  # was Cost(3.0, ...)
@examples(20)
def test_dense_cost_refuses_sizes_that_are_not_whole_numbers(value):
    for args, name in (((value, 2), "inputs"), ((2, value), "units")):
        with pytest.raises(ConvConfigError, match=name):
            dense_cost(*args)


@given(in_shape=st.tuples(INTS, INTS, INTS))
@example(in_shape=(3, 0, 5))  # was Cost(3, -3, ...)
@examples(100)
def test_global_average_pool_cost_is_its_formula_or_names_the_wrong_parameter(in_shape):
    c, h, w = in_shape
    wrong = shape_wrong(in_shape)
    refused_or_equal(lambda: global_average_pool_cost(in_shape), wrong, None if wrong else Cost(c, c * (h * w - 1), 0, (c,)))


COSTS = st.builds(Cost, st.integers(0, 10**30), st.integers(0, 10**30), st.integers(0, 10**30),
                  st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)))


@given(a=COSTS, b=COSTS, c=COSTS)
@examples(50)
def test_costs_add_field_by_field_keeping_the_later_out_shape(a, b, c):
    total = a + b
    assert (total.multiplications, total.additions, total.params) == (
        a.multiplications + b.multiplications, a.additions + b.additions, a.params + b.params)
    assert total.out_shape == b.out_shape
    assert (a + b) + c == a + (b + c)
    with pytest.raises(TypeError):
        a + 1


# ---------------------------------------------------------------------------------------------------
# Convolutions on small random shapes, against scipy and the loop twins

Geometry = namedtuple("Geometry", "size kernel stride padding dilation strides dilations pads out")
PAD_FORM = st.one_of(st.integers(0, 2), st.sampled_from(PADDING_MODES), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def int_or_pair(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


PADDINGS = st.one_of(st.integers(0, 2), st.sampled_from(PADDING_MODES), st.tuples(PAD_FORM, PAD_FORM))


@st.composite
def geometries(draw, max_kernel=3, max_dilation=2, paddings=PADDINGS):
    """A placement that fits: kernel size, stride, padding and dilation as conv2d takes them, the input
    size each axis needs (up to 3 more), the pads written out by tests/test_engine_conv.explicit_pads
    and the output size."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = draw(int_or_pair(1, 3))
    dilation = draw(int_or_pair(1, max_dilation))
    padding = draw(paddings)
    size, pads, out = [], [], []
    for k, s, p, d in zip(kernel, pair(stride), pair(padding), pair(dilation)):
        span = k + (k - 1) * (d - 1)
        # "same" and "full" fit any input; otherwise the padded input must hold the span
        given_pads = sum(p) if isinstance(p, tuple) else 2 * p if isinstance(p, int) else 0 if p == "valid" else span
        need = max(1, span - given_pads)
        i = draw(st.integers(need, need + 3))
        _, (axis_pads, o) = axis_model(i, k, s, p, d)
        size.append(i), pads.append(axis_pads), out.append(o)
    return Geometry(tuple(size), kernel, stride, padding, dilation, pair(stride), pair(dilation), tuple(pads), tuple(out))


def correlate(x, w, g):
    """The outside oracle: scipy.signal.correlate2d summed over channels, with the pads written out."""
    return reference_conv2d(x, w, g.strides, g.pads, g.dilations)


def convolve(x, w, g):
    """scipy.signal.convolve2d summed over channels, on the padded input."""
    xp = np.pad(x, ((0, 0), *g.pads))
    return np.stack([sum(convolve2d(xp[c], dilate(k[c], *g.dilations), mode="valid") for c in range(len(k)))
                     [::g.strides[0], ::g.strides[1]] for k in w])


@st.composite
def conv_cases(draw, elements=VALUES, **geometry):
    g = draw(geometries(**geometry))
    c, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return g, draw(arrays((c, *g.size), elements)), draw(arrays((n, c, *g.kernel), elements))


@given(case=conv_cases(), bias=st.one_of(st.none(), arrays(3)), operation=st.sampled_from(["correlation", "convolution"]))
@examples(80)
def test_conv2d_and_its_loop_match_scipy_and_count_what_standard_cost_says(case, bias, operation):
    g, x, w = case
    n, c, kh, kw = w.shape
    bias = None if bias is None else bias[:n]
    oracle = correlate if operation == "correlation" else convolve
    expected, size = oracle(x, w, g), magnitude(oracle, x, w, g)
    if bias is not None:
        expected, size = expected + bias[:, None, None], size + np.abs(bias)[:, None, None]
    counter = {}
    fast = conv2d(x, w, g.stride, g.padding, g.dilation, bias, operation=operation)
    slow = conv2d_loop(x, w, g.stride, g.padding, g.dilation, bias, counter, operation=operation)
    assert fast.shape == expected.shape == (n, *g.out)
    assert_rounded(fast, expected, size, c * kh * kw + 1)
    assert_rounded(slow, expected, size, c * kh * kw + 1)
    cost = standard_cost(x.shape, (kh, kw), n, g.stride, g.padding, g.dilation, bias is not None)
    assert (cost.multiplications, cost.additions) == (counter["multiplications"], counter["additions"])
    assert cost.out_shape == fast.shape


# dilation 1 only: scipy's dilated kernel would multiply the cells the engine skips (0 · inf = NaN)
@given(case=conv_cases(elements=NON_FINITE, max_dilation=1), operation=st.sampled_from(["correlation", "convolution"]))
@examples(50)
def test_nan_and_inf_propagate_through_conv2d_as_in_scipy(case, operation):
    g, x, w = case
    oracle = correlate if operation == "correlation" else convolve
    expected = oracle(x, w, g)
    for out in (conv2d(x, w, g.stride, g.padding, operation=operation),
                conv2d_loop(x, w, g.stride, g.padding, operation=operation)):
        assert_like_ieee(out, expected, oracle(np.abs(finite_part(x)), np.abs(finite_part(w)), g), w[0].size)


@given(w=arrays(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)), NON_FINITE),
       a=arrays(st.tuples(st.integers(4, 7), st.integers(4, 7)), ORDINARY))
@examples(40)
def test_flip_kernel_turns_every_kernel_by_180_degrees_as_convolution_does(w, a):
    flipped = flip_kernel(w)
    np.testing.assert_array_equal(flipped, np.rot90(w, 2, axes=(-2, -1)))
    np.testing.assert_array_equal(flip_kernel(flipped), w)
    np.testing.assert_array_equal(flip_kernel(w[0, 0, 0]), w[0, 0, 0, ::-1])  # a 1-D factor is reversed
    k = finite_part(w[0, 0])
    assert_rounded(correlate2d(a, flip_kernel(k), mode="full"), convolve2d(a, k, mode="full"),
                   convolve2d(np.abs(a), np.abs(k), mode="full"), k.size)
    x = np.broadcast_to(a, (w.shape[1], *a.shape))
    np.testing.assert_array_equal(conv2d(x, flipped), conv2d(x, w, operation="convolution"))
    with pytest.raises(ConvConfigError, match="kernel"):
        flip_kernel(np.float64(1.0))


def depthwise_reference(x, w, g):
    """Each output channel j: scipy.signal.correlate2d of input channel j // m with kernel j."""
    m = w.shape[0] // x.shape[0]
    return np.stack([correlate(x[j // m][None], w[j][None, None], g)[0] for j in range(w.shape[0])])


@st.composite
def depthwise_cases(draw, elements=VALUES, **geometry):
    g = draw(geometries(**geometry))
    c, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return g, draw(arrays((c, *g.size), elements)), draw(arrays((c * m, *g.kernel), elements))


@given(case=depthwise_cases())
@examples(60)
def test_depthwise_and_its_loop_match_scipy_per_channel_and_count_what_depthwise_cost_says(case):
    g, x, w = case
    m = w.shape[0] // x.shape[0]
    expected, size = depthwise_reference(x, w, g), magnitude(depthwise_reference, x, w, g)
    counter = {}
    fast = depthwise_conv2d(x, w, g.stride, g.padding, g.dilation)
    slow = depthwise_conv2d_loop(x, w, g.stride, g.padding, g.dilation, counter)
    assert fast.shape == expected.shape
    assert_rounded(fast, expected, size, w[0].size)
    assert_rounded(slow, expected, size, w[0].size)
    cost = depthwise_cost(x.shape, g.kernel, m, g.stride, g.padding, g.dilation)
    assert (cost.multiplications, cost.additions) == (counter["multiplications"], counter["additions"])
    assert cost.out_shape == fast.shape


@given(case=depthwise_cases(elements=NON_FINITE))
@examples(40)
def test_nan_and_inf_propagate_through_depthwise_as_in_its_loop(case):
    g, x, w = case
    assert_same_non_finite(depthwise_conv2d(x, w, g.stride, g.padding, g.dilation),
                           depthwise_conv2d_loop(x, w, g.stride, g.padding, g.dilation))


@given(x=arrays(st.tuples(st.integers(1, 2), st.integers(46, 60), st.integers(46, 60)), st.one_of(ORDINARY, st.sampled_from(SPECIAL))),
       kernel=arrays(st.tuples(st.integers(1, 3), st.integers(1, 3)), NON_FINITE), m=st.integers(1, 2),
       padding=st.sampled_from([0, 1, "same"]), stride=st.sampled_from([1, (1, 2)]))
@examples(12)
def test_depthwise_on_an_image_sized_input_matches_scipy_nan_and_inf_included(x, kernel, m, padding, stride):
    """Enough output cells (2,048 or more) for depthwise_conv2d's BLAS shift-and-add path."""
    w = np.stack([kernel * (j + 1) for j in range(x.shape[0] * m)])
    pads = explicit_pads(x.shape[1], x.shape[2], *kernel.shape, pair(stride), padding, (1, 1))
    g = Geometry(x.shape[1:], kernel.shape, stride, padding, 1, pair(stride), (1, 1), pads, None)
    expected = depthwise_reference(x, w, g)
    assert_like_ieee(depthwise_conv2d(x, w, stride, padding), expected,
                     depthwise_reference(np.abs(x), np.abs(finite_part(w)), g), kernel.size)


@st.composite
def pointwise_cases(draw, elements=VALUES):
    c, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return draw(arrays((c, draw(st.integers(1, 5)), draw(st.integers(1, 5))), elements)), draw(arrays((n, c), elements))


def mix_channels(x, w):
    """NumPy's einsum: out[n, h, w] = sum over c of w[n, c] * x[c, h, w]."""
    return np.einsum("nc,chw->nhw", w, x)


@given(case=pointwise_cases())
@examples(60)
def test_pointwise_and_its_loop_match_einsum_and_count_what_pointwise_cost_says(case):
    x, w = case
    expected, size = mix_channels(x, w), magnitude(mix_channels, x, w)
    counter = {}
    fast, slow = pointwise_conv2d(x, w), pointwise_conv2d_loop(x, w, counter)
    assert_rounded(fast, expected, size, x.shape[0])
    assert_rounded(slow, expected, size, x.shape[0])
    cost = pointwise_cost(x.shape, w.shape[0])
    assert (cost.multiplications, cost.additions) == (counter["multiplications"], counter["additions"])
    assert cost.out_shape == fast.shape


@given(case=pointwise_cases(elements=NON_FINITE))
@examples(40)
def test_nan_and_inf_propagate_through_pointwise_as_in_einsum(case):
    x, w = case
    for out in (pointwise_conv2d(x, w), pointwise_conv2d_loop(x, w)):
        assert_same_non_finite(out, mix_channels(x, w))


@st.composite
def grouped_cases(draw):
    g = draw(geometries())
    groups, per_in, per_out = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    x = draw(arrays((groups * per_in, *g.size)))
    return g, groups, x, draw(arrays((groups * per_out, per_in, *g.kernel)))


def block_diagonal(w, groups):
    """The standard kernel bank that does what a grouped one does: zeros outside each group's channels."""
    n, per_in = w.shape[:2]
    full = np.zeros((n, groups * per_in, *w.shape[2:]))
    for k in range(n):
        group = k // (n // groups)
        full[k, group * per_in:(group + 1) * per_in] = w[k]
    return full


@given(case=grouped_cases())
@examples(50)
def test_grouped_conv2d_is_a_standard_convolution_with_a_block_diagonal_kernel(case):
    g, groups, x, w = case
    full = block_diagonal(w, groups)
    expected, size = correlate(x, full, g), magnitude(correlate, x, full, g)
    counted = {}
    for gi in range(groups):  # each group's multiplies, counted by the loop twin on its channels
        per_in, per_out = w.shape[1], w.shape[0] // groups
        conv2d_loop(x[gi * per_in:(gi + 1) * per_in], w[gi * per_out:(gi + 1) * per_out], g.stride, g.padding,
                    g.dilation, counter=counted)
    for loop in (False, True):
        out = grouped_conv2d(x, w, groups, g.stride, g.padding, g.dilation, loop=loop)
        assert_rounded(out, expected, size, w[0].size)
    cost = grouped_cost(x.shape, g.kernel, w.shape[0], groups, g.stride, g.padding, g.dilation)
    assert (cost.multiplications, cost.additions) == (counted["multiplications"], counted["additions"])
    assert cost.out_shape == out.shape
    if w.shape[1] == 1:  # one channel per group: depthwise, with groups // channels... kernels per channel
        assert_rounded(depthwise_conv2d(x, w[:, 0], g.stride, g.padding, g.dilation), expected, size, w[0].size)


def equivalent_by_loop(d, p, channels):
    """W[n, c] = sum over channel c's m depthwise kernels k of P[n, k] * D[k], one term at a time."""
    m = d.shape[0] // channels
    out = np.zeros((p.shape[0], channels, *d.shape[1:]))
    for n in range(p.shape[0]):
        for k in range(d.shape[0]):
            out[n, k // m] += p[n, k] * d[k]
    return out


@given(case=depthwise_cases(), n=st.integers(1, 3), data=st.data())
@examples(50)
def test_depthwise_then_pointwise_is_conv2d_with_the_equivalent_kernel(case, n, data):
    g, x, d = case
    c, m = x.shape[0], d.shape[0] // x.shape[0]
    p = data.draw(arrays((n, c * m)))
    kernel = equivalent_kernel(d, p, c)
    assert_rounded(kernel, equivalent_by_loop(d, p, c), equivalent_by_loop(np.abs(d), np.abs(p), c), m)
    counter = {}
    middle = depthwise_conv2d_loop(x, d, g.stride, g.padding, g.dilation, counter)
    chained = pointwise_conv2d_loop(middle, p, counter)
    direct = conv2d(x, kernel, g.stride, g.padding, g.dilation)
    abs_x = np.abs(x)
    size_chain = mix_channels(depthwise_reference(abs_x, np.abs(d), g), np.abs(p))
    size_direct = correlate(abs_x, equivalent_by_loop(np.abs(d), np.abs(p), c), g)
    # underflow: each kernel entry (m products) times the window of |x|; each depthwise value times |P|
    window = correlate(abs_x, np.ones((1, *kernel.shape[1:])), g)
    floor = TINY * (m * window + d[0].size * np.abs(p).sum(axis=1)[:, None, None])
    assert_rounded(chained, direct, np.maximum(size_chain, size_direct),
                   c * m * d[0].size + c * m + m, floor)
    assert_rounded(pointwise_conv2d(depthwise_conv2d(x, d, g.stride, g.padding, g.dilation), p), chained,
                   size_chain, c * m * d[0].size + c * m)
    cost = depthwise_cost(x.shape, g.kernel, m, g.stride, g.padding, g.dilation) + pointwise_cost(middle.shape, n)
    assert (cost.multiplications, cost.additions, cost.out_shape) == (
        counter["multiplications"], counter["additions"], chained.shape)
    if m == 1:
        assert depthwise_separable_cost(x.shape, g.kernel, n, g.stride, g.padding, g.dilation) == cost


@given(case=conv_cases())
@examples(40)
def test_scan_trace_ends_at_conv2d_and_at_standard_costs_count(case):
    g, x, w = case
    trace = scan_trace(x, w, g.stride, g.padding, g.dilation)
    cost = standard_cost(x.shape, g.kernel, w.shape[0], g.stride, g.padding, g.dilation)
    assert trace.multiplications_so_far[-1] == cost.multiplications
    assert trace.steps == cost.out_shape[0] * cost.out_shape[1] * cost.out_shape[2]
    assert_rounded(trace.output, conv2d(x, w, g.stride, g.padding, g.dilation), magnitude(correlate, x, w, g),
                   w[0].size)


@given(case=depthwise_cases())
@examples(40)
def test_depthwise_trace_ends_at_depthwise_conv2d_and_at_depthwise_costs_count(case):
    g, x, w = case
    trace = depthwise_trace(x, w, g.stride, g.padding, g.dilation)
    cost = depthwise_cost(x.shape, g.kernel, w.shape[0] // x.shape[0], g.stride, g.padding, g.dilation)
    assert trace.multiplications_so_far[-1] == cost.multiplications
    assert_rounded(trace.output, depthwise_conv2d(x, w, g.stride, g.padding, g.dilation),
                   magnitude(depthwise_reference, x, w, g), w[0].size)


# ---------------------------------------------------------------------------------------------------
# Flattening, the dense layer and the pool

SHAPES = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))


@given(shape=SHAPES)
@examples(40)
def test_flatten_orders_are_pytorchs_and_keras_and_source_of_inverts_flat_index(shape):
    x = np.arange(np.prod(shape)).reshape(shape)
    np.testing.assert_array_equal(flatten(x, "CHW"), x.ravel())
    np.testing.assert_array_equal(flatten(x, "HWC"), np.moveaxis(x, 0, -1).ravel())
    for order in ("CHW", "HWC"):
        flat = flatten(x, order)
        np.testing.assert_array_equal(np.sort(flat), np.arange(x.size))  # a permutation
        for cell in np.ndindex(*shape):
            i = flat_index(*cell, shape, order)
            assert flat[i] == x[cell] and source_of(i, shape, order) == cell
        for outside in (-1, x.size):
            with pytest.raises(ConvConfigError, match="entry"):
                source_of(outside, shape, order)
    for bad in ("chw", "NCHW", "", None):
        for call in (lambda: flatten(x, bad), lambda: flat_index(0, 0, 0, shape, bad), lambda: source_of(0, shape, bad)):
            with pytest.raises(ConvConfigError, match="order"):
                call()


@given(x=arrays(SHAPES), units=st.integers(1, 3), bias=st.booleans(), data=st.data())
@examples(40)
def test_flatten_then_dense_is_a_conv_covering_the_input_and_dense_cost_counts_it(x, units, bias, data):
    c, h, w = x.shape
    dense = data.draw(arrays((units, c, h, w)))
    b = data.draw(arrays(units)) if bias else None
    conv = conv2d(x, dense, bias=b)[:, 0, 0]
    size = np.abs(dense).reshape(units, -1) @ np.abs(x).ravel() + (np.abs(b) if bias else 0)
    for order in ("CHW", "HWC"):
        rows = np.stack([flatten(k, order) for k in dense])
        assert_rounded(rows @ flatten(x, order) + (b if bias else 0), conv, size, x.size + 1)
    counter = {}
    conv2d_loop(x.reshape(-1, 1, 1), dense.reshape(units, -1, 1, 1), bias=b, counter=counter)
    cost = dense_cost(x.size, units, bias)
    assert (cost.multiplications, cost.additions) == (counter["multiplications"], counter["additions"])
    assert cost.params == dense.size + (units if bias else 0) and cost.out_shape == conv.shape


def pool_by_hand(x):
    """Global average pooling one operation at a time: add a channel's values, multiply once by 1/(H·W)."""
    counter, out = {"multiplications": 0, "additions": 0}, []
    for channel in x:
        values = channel.ravel().tolist()
        total = values[0]
        for value in values[1:]:
            total += value
            counter["additions"] += 1
        out.append(total * (1 / len(values)))
        counter["multiplications"] += 1
    return np.array(out), counter


@given(x=arrays(SHAPES))
@examples(40)
def test_global_average_pool_cost_counts_the_pool_done_by_hand(x):
    pooled, counter = pool_by_hand(x)
    cost = global_average_pool_cost(x.shape)
    assert (cost.multiplications, cost.additions, cost.params) == (counter["multiplications"], counter["additions"], 0)
    assert cost.out_shape == pooled.shape
    assert_rounded(pooled, x.mean(axis=(1, 2)), np.abs(x).mean(axis=(1, 2)), x[0].size + 2)


# ---------------------------------------------------------------------------------------------------
# Spatially separable kernels: factors, rank, singular values, low-rank terms, the two passes

KERNEL_SHAPES = st.tuples(st.integers(1, 7), st.integers(1, 7))
KERNEL_VALUES = st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-320, 1e-300, 1e-30,
                                                                   -1e-13, 1e6, -1e6, 1.0]))
TINY_VALUES = st.floats(-1e-300, 1e-300)
VECTOR_VALUES = st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3))
KNOWN_RANK_ONE = [
    [[1, 2], [3.87503, 7.75006]],  # factored as [8, 31] x [0.1250009, 0.2500018], wrong by 1.45e-5
    [[1e-13, 3e-13], [2e-13, 6e-13]],  # its row rounded to [0, 0]
    [[1e-30]],  # IndexError
    [[0, 0], [0, 1e-30]],
    [[1e-320]],
]


def nonzero_vectors(length):
    return arrays(length, VECTOR_VALUES).filter(lambda v: v.any())


@st.composite
def kernels(draw):
    """Any finite kernel up to 7 x 7 within ±1e6: random entries, all-tiny entries, outer products of
    random vectors at random scales, and such outer products disturbed by a little noise."""
    shape = draw(KERNEL_SHAPES)
    kind = draw(st.sampled_from(["entries", "tiny", "outer", "near outer"]))
    if kind == "entries":
        return draw(arrays(shape, KERNEL_VALUES))
    if kind == "tiny":
        return draw(arrays(shape, TINY_VALUES))
    k = np.outer(draw(nonzero_vectors(shape[0])), draw(nonzero_vectors(shape[1])))
    k = k / np.abs(k).max() * 10.0 ** draw(st.integers(-320, 6))
    if kind == "near outer":
        noise = draw(arrays(shape, st.floats(-1, 1)))
        k = k + noise * np.abs(k).max() * 10.0 ** draw(st.integers(-17, -5))
    return k


# separable_factors' docstring: with tol = 1e-9 the factors reproduce every entry within 8 x tol x max|k|
# (a kernel whose second singular value is just under tol x the first is accepted, and its best rank-1
# kernel can then be off by several times tol x max|k|: see NEAR_RANK_ONE); below ~5e-315 that is exactly
REPRODUCE = 8e-9
NEAR_RANK_ONE = np.ones((7, 7)) + 5e-9 * (np.arange(49).reshape(7, 7) == 24)  # off by 3.7e-9 x max|k|


def assert_factors_reproduce(k, factors):
    """(col, row) finite, of the kernel's height and width, with outer(col, row) == k within REPRODUCE x max|k|."""
    col, row = (np.asarray(f, dtype=float) for f in factors)
    assert col.shape == (k.shape[0],) and row.shape == (k.shape[1],)
    assert np.isfinite(col).all() and np.isfinite(row).all()
    error, top = np.abs(np.outer(col, row) - k).max(), np.abs(k).max()
    assert error <= REPRODUCE * top, f"outer(col, row) is off by {error:.3g} for max|k| = {top:.3g}"


@given(k=kernels())
@example(k=np.array(KNOWN_RANK_ONE[0]))
@example(k=np.array(KNOWN_RANK_ONE[1]))
@example(k=np.array(KNOWN_RANK_ONE[2]))
@example(k=np.array(KNOWN_RANK_ONE[3], dtype=float))
@example(k=np.array(KNOWN_RANK_ONE[4]))
@example(k=NEAR_RANK_ONE)
@examples(400)
def test_separable_factors_reproduce_the_kernel_or_are_refused(k):
    factors = separable_factors(k)
    if factors is not None:
        assert_factors_reproduce(k, factors)
    # and refused only where the kernel is not rank 1 (or its values are subnormal, whose products round)
    elif np.abs(k).max() >= 1e-300:
        assert kernel_rank(k) >= 2, "a rank-1 kernel refused"


@given(col=st.integers(1, 7).flatmap(nonzero_vectors), row=st.integers(1, 7).flatmap(nonzero_vectors),
       scale_col=st.integers(-150, 0), scale_row=st.integers(-150, 0))
@example(col=np.array([1.0, 3.14159265]), row=np.array([1.0]), scale_col=-163, scale_row=0)  # col @ col underflowed
@examples(300)
def test_every_outer_product_of_two_nonzero_vectors_is_accepted(col, row, scale_col, scale_row):
    k = np.outer(col * 10.0**scale_col, row * 10.0**scale_row)
    factors = separable_factors(k)
    assert factors is not None, "a rank-1 kernel refused"
    assert_factors_reproduce(k, factors)
    assert kernel_rank(k) == 1


@pytest.mark.parametrize("k", KNOWN_RANK_ONE)
def test_known_rank_one_kernels_factor_within_their_scale(k):
    k = np.array(k, dtype=float)
    factors = separable_factors(k)
    assert factors is not None
    assert_factors_reproduce(k, factors)


NON_FINITE_KERNELS = st.tuples(KERNEL_SHAPES, st.sampled_from([np.nan, np.inf, -np.inf]), st.data())


@given(case=NON_FINITE_KERNELS)
@examples(30)
def test_kernel_analysis_refuses_nan_and_inf(case):
    shape, bad, data = case
    k = data.draw(arrays(shape, KERNEL_VALUES))
    k[data.draw(st.integers(0, shape[0] - 1)), data.draw(st.integers(0, shape[1] - 1))] = bad
    for analyse in (separable_factors, kernel_rank, singular_values, low_rank):
        with pytest.raises(ConvConfigError, match="finite"):
            analyse(k)


@given(k=kernels(), exponent=st.integers(-600, 600))
@examples(200)
def test_singular_values_match_scipy_and_rank_counts_those_above_its_tolerance(k, exponent):
    s = singular_values(k)
    top = np.abs(k).max()
    assert s.shape == (min(k.shape),) and (s >= 0).all() and (np.diff(s) <= 0).all()
    floor = 4 * k.size * TINY  # a subnormal singular value is rounded to a multiple of TINY
    np.testing.assert_allclose(s, svdvals(k), rtol=0, atol=1e-12 * s[0] + floor)
    if top:  # the Frobenius norm, on k / max|k| where squares cannot underflow or overflow
        assert np.linalg.norm(s / top) == pytest.approx(np.linalg.norm(k / top), rel=1e-12, abs=floor / top)
    assert kernel_rank(k) == (np.linalg.matrix_rank(k, tol=1e-9 * s[0]) if s[0] else 0)
    scaled = k * 2.0**exponent  # exact while every entry stays a normal number
    in_range = [((1e-290 < np.abs(a)) & (np.abs(a) < 1e290)) | (a == 0) for a in (k, scaled)]
    if np.array_equal(k == 0, scaled == 0) and in_range[0].all() and in_range[1].all():
        assert kernel_rank(scaled) == kernel_rank(k)  # the rank does not depend on the kernel's scale


@given(shape=KERNEL_SHAPES, rank=st.integers(1, 7), seed=st.integers(0, 2**32 - 1), exponent=st.integers(-300, 6))
@examples(100)
def test_a_sum_of_r_generic_outer_products_has_rank_r(shape, rank, seed, exponent):
    rank = min(rank, *shape)
    rng = np.random.default_rng(seed)
    k = rng.normal(size=(shape[0], rank)) @ rng.normal(size=(rank, shape[1])) * 10.0**exponent
    assert kernel_rank(k) == rank


@given(k=kernels())
@examples(200)
def test_low_rank_terms_rebuild_the_kernel_and_leave_out_exactly_eckart_youngs_error(k):
    terms = low_rank(k)
    s = np.linalg.svd(k, compute_uv=False)
    top, full = np.abs(k).max(), min(k.shape)
    floor = 4 * full * TINY  # products of the terms that underflow
    np.testing.assert_allclose(terms.singular_values, s, rtol=0, atol=1e-12 * s[0] + floor)
    assert np.abs(terms.approximation(full) - k).max() <= 1e-9 * top + floor
    errors = [terms.error(k, r) for r in range(full + 1)]
    for r, error in enumerate(errors):
        assert error == pytest.approx(np.sqrt((s[r:] ** 2).sum()), rel=0, abs=1e-9 * s[0] + floor)
        assert r == 0 or error <= errors[r - 1] + 1e-12 * s[0] + floor
    for col, row in zip(terms.cols, terms.rows):  # each term separable (its factors scaled to at most 1)
        if col.any() and row.any():
            assert kernel_rank(np.outer(col / np.abs(col).max(), row / np.abs(row).max())) == 1


@st.composite
def two_pass_cases(draw):
    g = draw(geometries(max_kernel=5, max_dilation=1))
    col, row = draw(arrays(g.kernel[0])), draw(arrays(g.kernel[1]))
    return g, draw(arrays((draw(st.integers(1, 2)), *g.size))), col, row


@given(case=two_pass_cases(), operation=st.sampled_from(["correlation", "convolution"]))
@examples(80)
def test_two_passes_equal_conv2d_with_the_outer_product(case, operation):
    g, x, col, row = case
    kernel = np.outer(col, row)[None, None]
    middle, out = two_pass_conv2d(x, col, row, g.stride, g.padding, operation=operation)
    turned = (col, row) if operation == "correlation" else (col[::-1], row[::-1])
    abs_x, abs_col, abs_row = np.abs(x), *(np.abs(f) for f in turned)
    for c in range(x.shape[0]):
        direct = conv2d(x[c:c + 1], kernel, g.stride, g.padding, operation=operation)[0]
        size_direct = correlate(abs_x[c:c + 1], np.outer(abs_col, abs_row)[None, None], g)[0]
        column_pass = g._replace(strides=(g.strides[0], 1), pads=(g.pads[0], (0, 0)))
        staged = correlate(correlate(abs_x[c:c + 1], abs_col.reshape(1, 1, -1, 1), column_pass),
                           abs_row.reshape(1, 1, 1, -1), g._replace(strides=(1, g.strides[1]), pads=((0, 0), g.pads[1])))[0]
        # underflow: each kernel entry times the window of |x|; each column-pass value times |row|
        floor = TINY * (correlate(abs_x[c:c + 1], np.ones((1, 1, *g.kernel)), g)[0] + len(col) * abs_row.sum())
        assert_rounded(out[c], direct, np.maximum(size_direct, staged),
                       2 * kernel.size + len(col) + len(row), floor)
    assert (middle.shape[1], out.shape[1:]) == (g.out[0], g.out)


@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 8), st.integers(1, 8)), kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       stride=int_or_pair(1, 3), padding=st.one_of(st.integers(0, 2), st.sampled_from(PADDING_MODES)))
@examples(80)
def test_separable_pass_costs_count_the_two_passes_multiplies(shape, kernel, stride, padding):
    wrong, _ = model(shape[1:], kernel, stride, padding, 1)
    if wrong:
        return
    counted, out_shape = count_two_pass(np.ones(shape), np.ones(kernel[0]), np.ones(kernel[1]), stride, padding)
    first, second = separable_pass_costs(shape, kernel, stride, padding)
    assert first.multiplications + second.multiplications == counted
    assert spatially_separable_cost(shape, kernel, stride, padding) == first + second
    middle, out = two_pass_conv2d(np.ones(shape), np.ones(kernel[0]), np.ones(kernel[1]), stride, padding)
    assert (first.out_shape, second.out_shape) == (middle.shape, out.shape) and out.shape == out_shape
