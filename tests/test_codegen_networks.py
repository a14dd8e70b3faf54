"""The network pages' code views, run: NumPy against the engine, PyTorch and Keras for real.

Flattening: the order each framework flattens in is engine.flatten's, and the dense layer's shape,
parameters and multiply-adds (PyTorch's FlopCounterMode) are engine.dense_cost's. MobileNet v1: the
network the PyTorch text builds and the one Keras ships have, layer by layer, the engine's output
shapes and parameters, and in total its multiply-adds.
"""

from __future__ import annotations

import numpy as np
import pytest

import codegen
import engine
from frameworks import MULTIPLICATIONS, PARAMS, mult_adds, run, stated

# ---- the Flattening page --------------------------------------------------------------------------

FLATTENING = [  # C, H, W, units, order, the framework texts' layer (C, H, W, units) when the page shows an example
    (2, 2, 3, 10, "CHW", None),  # the page's default, values counting 1, 2, 3, …
    (2, 2, 3, 10, "HWC", None),
    (1, 1, 1, 1, "CHW", None),  # the smallest
    (4, 5, 5, 4096, "HWC", None),  # the largest
    (2, 2, 3, 10, "CHW", (512, 7, 7, 4096)),  # VGG-16's first dense layer
    (3, 4, 2, 7, "HWC", (1024, 7, 7, 1000)),  # MobileNet v1's classifier; random values
]


def flattening_case(c, h, w, units, order, dense):
    if dense is None and units != 7:
        x = np.arange(c * h * w, dtype=float).reshape(c, h, w)
    else:
        x = engine.input_pattern("random integers", c, h, w, 0)
    code = codegen.flattening(x, order, units, dense)
    fc_c, fc_h, fc_w, fc_units = dense or (c, h, w, units)
    volume = engine.input_pattern("random integers", fc_c, fc_h, fc_w, 1)  # an input for the framework texts' layer
    return x, code, engine.dense_cost(fc_c * fc_h * fc_w, fc_units), volume


@pytest.mark.parametrize("config", FLATTENING)
def test_flattening_numpy(config):
    c, h, w, units, order, _ = config
    x, code, cost, _ = flattening_case(*config)
    ns = run(code.numpy)
    np.testing.assert_array_equal(ns["x"], x)
    np.testing.assert_array_equal(ns["v"], engine.flatten(x, order))
    np.testing.assert_allclose(ns["y"], ns["W"] @ engine.flatten(x, order) + ns["b"])
    own = engine.dense_cost(c * h * w, units)  # the NumPy text's layer is on x itself
    assert stated(PARAMS, code.numpy) == own.params
    assert stated(MULTIPLICATIONS, code.numpy) == own.multiplications
    assert stated(PARAMS, code.pytorch) == stated(PARAMS, code.keras) == code.params == cost.params
    assert not code.random_arrays  # at most 4 × 5 × 5 = 100 values: always written out


@pytest.mark.parametrize("config", FLATTENING)
def test_flattening_pytorch(config, torch):
    _, code, cost, volume = flattening_case(*config)
    model = run(code.pytorch)["model"].double()
    flatten, linear = model
    assert sum(p.numel() for p in model.parameters()) == cost.params
    x = torch.tensor(volume[None])
    assert mult_adds(torch, model, x) == cost.multiplications
    with torch.no_grad():
        np.testing.assert_array_equal(flatten(x).numpy()[0], engine.flatten(volume, "CHW"))
        y = model(x).numpy()[0]
    assert y.shape == cost.out_shape
    weights, bias = (p.detach().numpy() for p in linear.parameters())
    np.testing.assert_allclose(y, weights @ engine.flatten(volume, "CHW") + bias)


@pytest.mark.parametrize("config", FLATTENING)
def test_flattening_keras(config, keras):
    _, code, cost, volume = flattening_case(*config)
    model = run(code.keras)["model"]
    flatten, dense = model.layers
    assert model.count_params() == cost.params
    assert model.output_shape == (None, *cost.out_shape)
    if config[-1] is None:  # (the examples' layers hold up to 102 million weights, minutes to draw on JAX's CPU)
        x = volume.transpose(1, 2, 0)[None].astype("float32")  # H × W × C
        v = engine.flatten(volume, "HWC")
        np.testing.assert_array_equal(np.asarray(flatten(x))[0], v)
        kernel, bias = (np.asarray(w.value, dtype=float) for w in (dense.kernel, dense.bias))
        np.testing.assert_allclose(np.asarray(model(x))[0], v @ kernel + bias, rtol=1e-4, atol=1e-3)


# ---- the Network costs page -------------------------------------------------------------------------

MOBILENET = [  # alpha, resolution, bias in every convolution, the classifier's biases: each of the page's values
    (1.0, 224, False, True),  # the paper's count
    (0.75, 192, True, True),
    (0.5, 160, False, False),
    (0.25, 128, True, False),
]


def network(alpha, resolution, bias=False, fc_bias=True):
    """MobileNet v1's layers as the engine counts them, and the totals of all but the average pool."""
    layers = engine.mobilenet_v1(alpha, resolution, bias=bias, fc_bias=fc_bias)
    return layers, engine.network_totals(layers)


@pytest.mark.parametrize("config", MOBILENET)
def test_mobilenet_numpy(config):
    code = codegen.mobilenet(*config)
    _, total = network(*config)
    ns = run(code.numpy)
    assert (ns["mult_adds"], ns["params"]) == (total.multiplications, total.params)
    assert stated(PARAMS, code.numpy) == stated(PARAMS, code.pytorch) == code.params == total.params
    assert not code.random_arrays
    if config[2:] != (False, True):  # Keras' MobileNet counts as the paper; the text says the page differs
        assert f"this page counts {total.params:,}" in code.keras


@pytest.mark.parametrize("config", MOBILENET)
def test_mobilenet_pytorch(config, torch):
    code = codegen.mobilenet(*config)
    layers, total = network(*config)
    model = run(code.pytorch)["model"]
    convolutions = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    shapes = []
    for conv in convolutions:
        conv.register_forward_hook(lambda module, inputs, output: shapes.append(tuple(output.shape[1:])))
    resolution = config[1]
    assert mult_adds(torch, model.eval(), torch.zeros(1, 3, resolution, resolution)) == total.multiplications
    counted = [layer for layer in layers if layer.kind not in ("average pool", "fully connected")]
    assert shapes == [layer.cost.out_shape for layer in counted]
    assert [sum(p.numel() for p in conv.parameters()) for conv in convolutions] == [
        layer.cost.params for layer in counted]
    linear = model[-1]
    assert sum(p.numel() for p in linear.parameters()) == layers[-1].cost.params


@pytest.mark.parametrize("config", MOBILENET)
def test_mobilenet_keras(config, keras):
    alpha, resolution, *_ = config
    code = codegen.mobilenet(*config)
    layers, total = network(alpha, resolution)  # Keras' MobileNet: no convolution biases, the classifier's
    ns = run(code.keras)
    model = ns["model"]
    assert model.count_params() - ns["batchnorm"] == total.params == stated(PARAMS, code.keras)
    if (alpha, resolution) == (1.0, 224):
        assert model.count_params() == 4_253_864  # the total of its model.summary(), 4.3M in keras.io's table
    kinds = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)
    convolutions = [layer for layer in model.layers if isinstance(layer, kinds)]
    counted = [layer for layer in layers if layer.kind != "average pool"]  # the classifier is a 1 × 1 Conv2D
    assert [conv.count_params() for conv in convolutions] == [layer.cost.params for layer in counted]
    c, h, w = zip(*(layer.cost.out_shape for layer in counted[:-1]))
    assert [tuple(conv.output.shape[1:]) for conv in convolutions[:-1]] == list(zip(h, w, c))
