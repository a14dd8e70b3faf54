"""Flattening in both orders, flatten + dense as a convolution, and MobileNet v1 against the paper."""

import itertools

import numpy as np
import pytest

from engine import (
    ConvConfigError,
    conv2d,
    dense_cost,
    flat_index,
    flatten,
    mobilenet_v1,
    network_totals,
    shares_by_kind,
    source_of,
    standard_cost,
    vgg16_features,
)


def test_flatten_orders_on_the_small_example():
    x = np.arange(12).reshape(2, 2, 3)  # C=2, H=2, W=3 filled with 0..11
    assert flatten(x, "CHW").tolist() == list(range(12))
    assert flatten(x, "HWC").tolist() == [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 2, 4), (2, 5, 3), (4, 3, 3)])
def test_flatten_against_index_formulas_and_numpy_transposes(shape):
    c_, h_, w_ = shape
    x = np.random.default_rng(sum(shape)).normal(size=shape)
    chw, hwc = flatten(x, "CHW"), flatten(x, "HWC")
    np.testing.assert_array_equal(chw, np.ravel(x, order="C"))
    np.testing.assert_array_equal(hwc, np.transpose(x, (1, 2, 0)).ravel())
    for c, h, w in itertools.product(range(c_), range(h_), range(w_)):
        assert chw[c * h_ * w_ + h * w_ + w] == x[c, h, w]
        assert hwc[h * w_ * c_ + w * c_ + c] == x[c, h, w]
        for order in ("CHW", "HWC"):
            i = flat_index(c, h, w, shape, order)
            assert source_of(i, shape, order) == (c, h, w)


def test_weights_trained_in_one_order_load_in_the_other_after_a_permutation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 5))
    dense_chw = rng.normal(size=(7, 60))  # weights for a CHW-flattened input
    permutation = [flat_index(*source_of(i, x.shape, "HWC"), x.shape, "CHW") for i in range(60)]
    dense_hwc = dense_chw[:, permutation]
    np.testing.assert_allclose(dense_chw @ flatten(x, "CHW"), dense_hwc @ flatten(x, "HWC"))
    assert not np.allclose(dense_chw @ flatten(x, "CHW"), dense_chw @ flatten(x, "HWC"))


@pytest.mark.parametrize("shape, units", [((2, 3, 4), 5), ((1, 1, 1), 1), ((3, 5, 5), 2)])
def test_flatten_plus_dense_is_a_convolution_with_an_input_sized_kernel(shape, units):
    rng = np.random.default_rng(units)
    x = rng.normal(size=shape)
    weights = rng.normal(size=(units, int(np.prod(shape))))
    dense = weights @ flatten(x, "CHW")
    as_conv = conv2d(x, weights.reshape(units, *shape))
    assert as_conv.shape == (units, 1, 1)
    np.testing.assert_allclose(as_conv[:, 0, 0], dense)
    assert dense_cost(int(np.prod(shape)), units, bias=False).multiplications == \
        standard_cost(shape, shape[1:], units).multiplications


def test_vgg_style_dense_layer_has_102_million_weights():
    assert dense_cost(7 * 7 * 512, 4096).params == 7 * 7 * 512 * 4096 + 4096 == 102_764_544


def test_mobilenet_v1_layer_list_matches_table_1():
    layers = mobilenet_v1()
    weighted = [layer for layer in layers if layer.kind != "average pool"]
    kinds = [layer.kind for layer in weighted]
    assert len(weighted) == 28
    assert kinds.count("standard 3×3") == 1 and kinds.count("fully connected") == 1
    assert kinds.count("depthwise 3×3") == 13 and kinds.count("pointwise 1×1") == 13
    assert layers[0].in_shape == (3, 224, 224) and layers[0].cost.out_shape == (32, 112, 112)
    assert [layer.in_shape for layer in layers if layer.kind == "average pool"] == [(1024, 7, 7)]
    strides = [layer.stride for layer in layers if layer.kind == "depthwise 3×3"]
    assert strides == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]
    assert layers[-1].kernel_shape == "1024×1000"


def test_mobilenet_v1_headline_figures():
    total = network_totals(mobilenet_v1())
    assert round(total.multiplications / 1e6) == 569  # "569 million mult-adds"
    assert round(total.params / 1e6, 1) == 4.2  # "4.2 million parameters"


@pytest.mark.parametrize("alpha, resolution, mult_adds, params", [
    (1.0, 224, 569, 4.2), (0.75, 224, 325, 2.6), (0.5, 224, 149, 1.3), (0.25, 224, 41, 0.5),  # Table 6
    (1.0, 192, 418, 4.2), (1.0, 160, 290, 4.2), (1.0, 128, 186, 4.2),  # Table 7
])
def test_width_and_resolution_multipliers_match_tables_6_and_7(alpha, resolution, mult_adds, params):
    total = network_totals(mobilenet_v1(alpha, resolution))
    assert abs(total.multiplications / 1e6 - mult_adds) <= 1
    assert round(total.params / 1e6, 1) == params


def test_standard_convolution_network_matches_table_4():
    full = network_totals(mobilenet_v1(separable=False))
    assert abs(full.multiplications / 1e6 - 4866) <= 2  # "Conv MobileNet: 4866 million mult-adds"
    assert round(full.params / 1e6, 1) == 29.3


def test_shares_by_layer_type_match_table_2():
    # Table 2 (mult-adds, parameters); it prints 1.19% for the standard 3x3 layer, Table 1 gives 1.91%
    table_2 = {"pointwise 1×1": (94.86, 74.59), "depthwise 3×3": (3.06, 1.06), "standard 3×3": (1.91, 0.02),
               "fully connected": (0.18, 24.33)}
    without_fc_bias = shares_by_kind(mobilenet_v1(fc_bias=False))
    with_fc_bias = shares_by_kind(mobilenet_v1())
    for kind, (mults, params) in table_2.items():
        assert round(without_fc_bias[kind][0] * 100, 2) == mults
        assert round(without_fc_bias[kind][1] * 100, 2) == params
        assert abs(with_fc_bias[kind][1] * 100 - params) < 0.05
    assert abs(sum(m for m, _ in table_2.values()) - 100) < 0.02


def test_impossible_networks_are_refused():
    with pytest.raises(ConvConfigError, match="alpha"):
        mobilenet_v1(alpha=0)
    with pytest.raises(ConvConfigError, match="resolution"):
        mobilenet_v1(resolution=8)
    with pytest.raises(ConvConfigError, match="order"):
        flatten(np.zeros((1, 2, 2)), "WHC")


def test_vgg16_convolution_stages():
    layers = vgg16_features()
    assert sum(layer.cost.params for layer in layers) == 14_714_688  # torchvision's vgg16().features
    assert layers[-1].cost.out_shape == (512, 7, 7)
    assert sum(layer.kind == "standard 3×3" for layer in layers) == 13
