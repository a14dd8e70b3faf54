"""Bytes moved, arithmetic intensity and the roofline (engine/memory.py) against hand counts: the lecture's
two examples written out, ShuffleNet V2's memory access cost of a 1×1 convolution, random layers (Hypothesis,
derandomized) against the formulas in the docstrings, and a roofline prediction worked by hand."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import (
    BYTES_PER_VALUE,
    ConvConfigError,
    Roofline,
    Traffic,
    arithmetic_intensity,
    depthwise_separable_traffic,
    depthwise_traffic,
    output_size,
    pointwise_traffic,
    standard_traffic,
)

settings.register_profile("memory-ci", derandomize=True, database=None, deadline=None, max_examples=150)
CI = settings.get_profile("memory-ci")


# ---- the lecture's examples, counted by hand (float32: 4 bytes a value) ------------------------------

# (in_shape, kernel, N): standard (input, weights, output), separable (input, weights, intermediate, output)
HAND = [
    # 7×7×3, 3×3, 128 kernels → 5×5×128. Input 147 values, standard weights 128·3·3·3 = 3,456, output 3,200;
    # separable weights 3·3·3 + 128·3 = 411, depthwise maps 5·5·3 = 75, written and read: 150
    (((3, 7, 7), 3, 128), (588, 13_824, 12_800), (588, 1_644, 600, 12_800), 86_400, 10_275),
    # 12×12×3, 5×5, 256 kernels → 8×8×256. Input 432, weights 256·3·5·5 = 19,200, output 16,384;
    # separable weights 3·25 + 256·3 = 843, maps 8·8·3 = 192 → 384
    (((3, 12, 12), 5, 256), (1_728, 76_800, 65_536), (1_728, 3_372, 1_536, 65_536), 1_228_800, 53_952),
]


@pytest.mark.parametrize("layer, standard, separable, standard_mults, separable_mults", HAND)
def test_the_lectures_examples_move_the_bytes_counted_by_hand(layer, standard, separable, standard_mults,
                                                              separable_mults):
    moved = standard_traffic(*layer)
    assert (moved.input, moved.weights, moved.output, moved.intermediate) == (*standard, 0)
    assert moved.total == sum(standard)
    pair = depthwise_separable_traffic(*layer)
    assert (pair.input, pair.weights, pair.intermediate, pair.output) == separable
    assert pair.total == sum(separable)
    assert arithmetic_intensity(standard_mults, moved.total) == pytest.approx(standard_mults / sum(standard))
    assert arithmetic_intensity(separable_mults, pair.total) == pytest.approx(separable_mults / sum(separable))


def test_the_lectures_first_example_intensities():
    # 86,400 / 27,212 = 3.175...; 10,275 / 15,632 = 0.657...: the separable layer does about a fifth as
    # much arithmetic per byte
    assert arithmetic_intensity(86_400, standard_traffic((3, 7, 7), 3, 128).total) == pytest.approx(3.1751, abs=1e-4)
    assert arithmetic_intensity(10_275, depthwise_separable_traffic((3, 7, 7), 3, 128).total) == pytest.approx(
        0.6573, abs=1e-4)


def test_a_pointwise_layer_moves_shufflenet_v2s_memory_access_cost():
    # Ma et al. 2018: MAC = hw(c1 + c2) + c1·c2 values for a 1×1 convolution
    h, w, c1, c2 = 14, 14, 512, 512
    assert pointwise_traffic((c1, h, w), c2).total == BYTES_PER_VALUE * (h * w * (c1 + c2) + c1 * c2)


def test_biases_are_weights_moved():
    assert standard_traffic((3, 7, 7), 3, 128, bias=True).weights == 4 * (3_456 + 128)


def test_stages_chain_like_costs():
    first, second = Traffic(10, 2, 30), Traffic(30, 4, 50)
    assert first + second == Traffic(10, 6, 50, 60)
    third = Traffic(50, 1, 7)
    assert (first + second) + third == first + (second + third)
    assert (first + second + third).total == 10 + 7 + 7 + 2 * (30 + 50)


def test_impossible_layers_are_refused_by_the_cost_functions():
    with pytest.raises(ConvConfigError, match="kernel"):
        standard_traffic((3, 2, 2), 3, 8)
    with pytest.raises(ValueError):
        arithmetic_intensity(10, 0)


# ---- random layers against the formulas ----------------------------------------------------------------

layers = st.tuples(st.integers(1, 64), st.integers(1, 40), st.integers(1, 40), st.integers(1, 7),
                   st.integers(1, 300), st.integers(1, 3), st.integers(0, 3))


@CI
@given(layers)
def test_random_layers_move_what_the_formulas_say(layer):
    c, h, w, k, n, s, p = layer
    if k > min(h, w) + 2 * p:
        with pytest.raises(ConvConfigError):
            standard_traffic((c, h, w), k, n, s, p)
        return
    ho, wo = output_size(h, k, s, p), output_size(w, k, s, p)
    standard = standard_traffic((c, h, w), k, n, s, p)
    assert standard.total == 4 * (c * h * w + n * c * k * k + n * ho * wo)
    depthwise = depthwise_traffic((c, h, w), k, 1, s, p)
    assert depthwise.total == 4 * (c * h * w + c * k * k + c * ho * wo)
    pair = depthwise_separable_traffic((c, h, w), k, n, s, p)
    assert pair == Traffic(4 * c * h * w, 4 * (c * k * k + n * c), 4 * n * ho * wo, 2 * 4 * c * ho * wo)
    # the standard layer's intensity is its multiplications per byte
    mults = engine.standard_cost((c, h, w), k, n, s, p).multiplications
    assert arithmetic_intensity(mults, standard.total) == mults / standard.total


@CI
@given(st.floats(1e6, 1e13), st.floats(1e6, 1e12), st.integers(1, 10**10), st.integers(1, 10**10))
def test_the_roofline_time_is_the_work_at_the_lower_roof(peak, bandwidth, mults, moved):
    roof = Roofline(peak, bandwidth)
    predicted = roof.time(mults, moved)
    assert predicted == max(mults / peak, moved / bandwidth)
    intensity = mults / moved
    assert roof.attainable(intensity) == min(peak, intensity * bandwidth)
    assert mults / predicted == pytest.approx(roof.attainable(intensity), rel=1e-9)
    assert roof.bound(intensity) == ("memory" if intensity < peak / bandwidth else "arithmetic")


def test_a_roofline_prediction_worked_by_hand():
    # a machine of 10 G mult-adds/s and 5 GB/s: the roofs meet at 2 mult-adds per byte
    roof = Roofline(10e9, 5e9)
    assert roof.ridge == 2
    # the lecture's standard layer: 86,400 mult-adds, 27,212 bytes, intensity 3.18 > 2: arithmetic bound,
    # 86,400 / 10e9 = 8.64 µs (its bytes alone would take 27,212 / 5e9 = 5.44 µs)
    assert roof.time(86_400, 27_212) == pytest.approx(8.64e-6)
    assert roof.bound(86_400 / 27_212) == "arithmetic"
    # its depthwise stage: 675 mult-adds, 996 bytes → 996 / 5e9 = 0.1992 µs (memory bound); pointwise: 9,600
    # mult-adds, 300 + 1,536 + 12,800 = 14,636 bytes → 2.9272 µs. The pair: 3.1264 µs, 2.8 times faster
    # than the standard layer though it does 8.4 times fewer multiplications
    depthwise, pointwise = depthwise_traffic((3, 7, 7), 3), pointwise_traffic((3, 5, 5), 128)
    assert (depthwise.total, pointwise.total) == (996, 14_636)
    pair = roof.time(675, depthwise.total) + roof.time(9_600, pointwise.total)
    assert pair == pytest.approx(3.1264e-6)
    assert roof.attainable(0.5) == 2.5e9 and roof.attainable(100) == 10e9
    assert math.isclose(roof.time(86_400, 27_212) / pair, 2.7636, rel_tol=1e-4)
