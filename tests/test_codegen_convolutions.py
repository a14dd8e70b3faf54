"""The convolution pages' code views, run: NumPy against the engine, PyTorch and Keras for real.

For every configuration in a table of what the pages can set, each text is executed as a student would
paste it. Its prints must print what their comments say; its output shape, parameter count,
multiplications (PyTorch's FlopCounterMode) and output values, with the page's weights loaded into the
layers it defines, must equal the engine's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import codegen
import engine
from codegen.text import LITERAL_LIMIT
from frameworks import MULTIPLICATIONS, PARAMS, mult_adds, run, stated

# PyTorch's note that padding="same" with an even kernel pads a copy of the input: true, and no concern here
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

# ---- running the framework texts ------------------------------------------------------------------


def torch_layers(torch, code: str, name: str):
    """(the model `name` the PyTorch text defines, in float64, and its Conv2d layers, in order)."""
    model = run(code)[name].double()
    return model, [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]


def torch_output(torch, model, x) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor(x[None])).numpy()[0]


def torch_checks(torch, model, x, cost) -> None:
    """Parameters, output shape and multiply-adds of a PyTorch model on the (C, H, W) input x, as the engine's."""
    assert sum(p.numel() for p in model.parameters()) == cost.params
    assert torch_output(torch, model, x).shape == cost.out_shape
    assert mult_adds(torch, model, torch.tensor(x[None])) == cost.multiplications


def torch_runs(torch, code: str, name: str, x, cost, expected, *weights: dict) -> None:
    """The model `name` of the PyTorch text has the engine's counts and, with each of its Conv2d layers given
    its weights ({"weight": array, "bias": array}, in PyTorch's layout), computes `expected` from x."""
    model, convolutions = torch_layers(torch, code, name)
    torch_checks(torch, model, x, cost)
    assert len(convolutions) == len(weights)
    for conv, values in zip(convolutions, weights):
        for attribute, value in values.items():
            getattr(conv, attribute).data = torch.tensor(value)
    np.testing.assert_allclose(torch_output(torch, model, x), expected, atol=1e-9)


def keras_output(model, x) -> np.ndarray:
    """The model on the (C, H, W) input x, back in C × H × W (Keras puts the channels last)."""
    return np.asarray(model(x.transpose(1, 2, 0)[None].astype("float32")))[0].transpose(2, 0, 1)


def keras_runs(keras, code: str, name: str, kind: str, x, cost, expected, *weights: dict) -> None:
    """The model `name` of the Keras text has the engine's counts and output shape and, with each of its layers
    of class `kind` given its weights ({"kernel": array, ...}, in Keras' layout), computes `expected` from x."""
    model = run(code)[name]
    n, h, w = cost.out_shape
    assert model.count_params() == cost.params
    assert model.output_shape == (None, h, w, n)
    layers = [layer for layer in model.layers if type(layer).__name__ == kind]
    assert len(layers) == len(weights)
    for layer, values in zip(layers, weights):
        for attribute, value in values.items():
            getattr(layer, attribute).assign(value)
    np.testing.assert_allclose(keras_output(model, x), expected, rtol=1e-5, atol=1e-4)  # Keras: float32


def numpy_checks(code: codegen.Snippets, cost, written, expected, atol=1e-9) -> dict:
    """Run the NumPy text; check that it draws arrays at random (and says so in random_arrays) exactly when one
    of the page's arrays `written` is too large to write out, else that it computes `expected`; its output
    shape and the counts every text states. Returns the text's namespace."""
    ns = run(code.numpy)
    assert code.random_arrays == any(a.size > LITERAL_LIMIT for a in written) == ("rng.integers(" in code.numpy)
    assert ns["out"].shape == expected.shape
    if not code.random_arrays:
        np.testing.assert_allclose(ns["out"], expected, atol=atol)
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications
    assert code.params == cost.params
    for text in (code.numpy, code.pytorch, code.keras):
        assert stated(PARAMS, text) == cost.params
    return ns


# ---- the Convolution page -------------------------------------------------------------------------

STANDARD = [  # C, H, W, N kernels, kh, kw, stride, padding, dilation, operation: what the page's controls can set
    (1, 5, 5, 1, 3, 3, 1, 0, 1, "correlation"),  # the lecture's example
    (1, 5, 5, 1, 3, 3, 1, 0, 1, "convolution"),
    (2, 6, 6, 2, 3, 3, 1, "same", 1, "correlation"),  # PyTorch's padding="same"
    (1, 6, 6, 1, 3, 3, 2, "same", 1, "convolution"),  # "same" at stride 2: 0 above, 1 below
    (3, 7, 5, 2, 4, 2, 1, "same", 1, "convolution"),  # an even kernel: "same" pads one more after; x random
    (1, 6, 6, 1, 3, 3, 2, "same", 2, "correlation"),  # Keras refuses strides with dilation
    (2, 9, 8, 2, 5, 3, 2, 1, 2, "convolution"),
    (1, 5, 5, 1, 3, 3, 1, "full", 2, "correlation"),
    (4, 7, 7, 3, 2, 3, 3, "full", 1, "correlation"),
    (1, 8, 7, 1, 3, 2, 2, "valid", 3, "correlation"),
    (1, 2, 16, 4, 1, 7, 3, 3, 1, "correlation"),
    (4, 16, 16, 4, 7, 7, 3, "same", 3, "convolution"),  # the largest the page allows: random arrays
    (1, 5, 5, 1, 3, 3, 1, ((1, 2), (0, 1)), 1, "correlation"),  # (before, after) per axis: the engine's, no page's
]


def standard_case(c, h, w, n, kh, kw, stride, padding, dilation, operation):
    x = engine.input_pattern("random integers", c, h, w, 0)
    weights = engine.kernel_bank("random", n, c, kh, kw, 0)
    code = codegen.standard(x, weights, stride, padding, dilation, operation)
    cost = engine.standard_cost(x.shape, (kh, kw), n, stride, padding, dilation)
    expected = engine.conv2d(x, weights, stride, padding, dilation, operation=operation)
    return x, weights, code, cost, expected


@pytest.mark.parametrize("config", STANDARD)
def test_standard_numpy(config):
    x, weights, code, cost, expected = standard_case(*config)
    ns = numpy_checks(code, cost, (x, weights), expected)
    if not code.random_arrays:
        np.testing.assert_array_equal(ns["w"], engine.kernel_as_used(weights, config[-1]))
    np.testing.assert_allclose(ns["out"], engine.conv2d(ns["x"], ns["w"], *config[6:9]), atol=1e-9)


@pytest.mark.parametrize("config", STANDARD)
def test_standard_pytorch(config, torch):
    x, weights, code, cost, expected = standard_case(*config)
    if config[-1] == "convolution":  # the text says how to convolve: run the line it gives
        model, _ = torch_layers(torch, code.pytorch, "layer")
        torch_checks(torch, model, x, cost)
        line = next(line for line in code.pytorch.splitlines() if ".weight.data = " in line)
        exec(line.lstrip("# "), {"torch": torch, "layer": model, "weights": torch.tensor(weights)})
        np.testing.assert_allclose(torch_output(torch, model, x), expected, atol=1e-9)
    else:
        torch_runs(torch, code.pytorch, "layer", x, cost, expected, {"weight": weights})


@pytest.mark.parametrize("config", STANDARD)
def test_standard_keras(config, keras):
    x, weights, code, cost, expected = standard_case(*config)
    kernels = engine.kernel_as_used(weights, config[-1]).transpose(2, 3, 1, 0)  # kh × kw × C × N
    keras_runs(keras, code.keras, "model", "Conv2D", x, cost, expected, {"kernel": kernels})


def test_the_lectures_example_written_out():
    x = engine.input_pattern("random integers", 1, 5, 5, 0)
    sobel = engine.kernel_bank("Sobel x", 1, 1, 3, 3, 0)
    code = codegen.standard(x, sobel)
    lines = code.numpy.splitlines()
    assert "# parameters: 1 × 1 × 3 × 3 = 9" in lines
    assert "# multiplications: N × Ho × Wo × C × kh × kw = 1 × 3 × 3 × 1 × 3 × 3 = 81" in lines
    assert "nn.Conv2d(1, 1, kernel_size=(3, 3), stride=1, padding=0, dilation=1, bias=False)" in code.pytorch
    assert 'layers.Conv2D(1, (3, 3), strides=1, padding="valid", dilation_rate=1, use_bias=False)' in code.keras
    np.testing.assert_array_equal(run(code.numpy)["out"], engine.conv2d(x, sobel))


def test_box_blur_is_written_as_whole_numbers_over_a_denominator():
    x = engine.input_pattern("checkerboard", 1, 4, 4)
    weights = engine.kernel_bank("box blur", 1, 1, 3, 3)
    code = codegen.standard(x, weights)
    assert ") / 9" in code.numpy
    np.testing.assert_array_equal(run(code.numpy)["w"], weights)


@pytest.mark.parametrize("padding, stride, dilation, torch_text, keras_text", [
    ("same", 1, 1, 'padding="same"', 'padding="same"'),
    ("same", 2, 1, "nn.ZeroPad2d((0, 1, 0, 1))", 'strides=2, padding="same"'),  # 6 wide, 3x3 kernel: 0 before, 1 after
    ("same", 2, 2, "nn.ZeroPad2d(", "layers.MaxPooling2D(pool_size=1, strides=2)"),
    (2, 1, 1, "padding=2", "layers.ZeroPadding2D(2)"),
    ("full", 1, 2, "padding=4", "layers.ZeroPadding2D(4)"),
    ("valid", 1, 1, 'padding="valid"', 'padding="valid"'),
])
def test_where_the_frameworks_differ_the_snippets_say_so(padding, stride, dilation, torch_text, keras_text):
    x, weights = engine.input_pattern("random integers", 1, 6, 6), engine.kernel_bank("random", 1, 1, 3, 3)
    code = codegen.standard(x, weights, stride, padding, dilation)
    assert torch_text in code.pytorch
    assert keras_text in code.keras


# ---- the Spatially separable page ------------------------------------------------------------------

SEPARABLE = [  # H, W, stride, padding, operation: each with one kernel of the page's list in turn
    (5, 5, 1, 0, "correlation"),  # the lecture's example
    (5, 5, 1, 0, "convolution"),
    (6, 7, 2, "same", "correlation"),  # asymmetric: 0 above, 1 below
    (7, 6, 1, "full", "convolution"),
    (9, 8, 3, 2, "correlation"),
    (4, 16, 2, "valid", "convolution"),
    (16, 16, 1, "same", "correlation"),  # too large to write out
    (2, 2, 1, 3, "correlation"),
]


def separable_cases():
    """Every kernel the page offers (its presets, separable or not, and a random one) and a 3 × 5 one, each in
    the next configuration in turn: the lecture's Sobel kernel (the first preset), then those unlike it."""
    lecture, *presets = (engine.separable_preset(name) for name in engine.SEPARABLE_PRESETS)
    kernels = [lecture, np.random.default_rng(3).normal(size=(4, 4)), np.outer([1.0, -2, 1], [1, 0, 0, 0, -1]),
               *presets]
    return [(kernel, *SEPARABLE[i % len(SEPARABLE)]) for i, kernel in enumerate(kernels)]


FRAMEWORK_SEPARABLE = separable_cases()[:len(SEPARABLE)]  # each configuration once; the rest differ in numbers only


def separable_case(kernel, h, w, stride, padding, operation):
    factors = engine.separable_factors(kernel)
    exact = factors is not None
    col, row = factors if exact else (engine.low_rank(kernel).cols[0], engine.low_rank(kernel).rows[0])
    x = engine.input_pattern("random integers", 1, h, w, 3)
    code = codegen.spatially_separable(x[0], col, row, stride, padding, operation, exact)
    cost = engine.spatially_separable_cost((1, h, w), kernel.shape, stride, padding)
    _, expected = engine.two_pass_conv2d(x, col, row, stride, padding, operation=operation)
    return x, col, row, exact, code, cost, expected


@pytest.mark.parametrize("config", separable_cases())
def test_spatially_separable_numpy(config):
    kernel, *_, operation = config
    x, col, row, exact, code, cost, expected = separable_case(*config)
    rounded = 1e-9 if exact else 1e-5 * np.abs(expected).max()  # not separable: factors written to 6 digits
    ns = numpy_checks(code, cost, (x,), expected[0], atol=rounded)
    close = dict(rtol=1e-10) if exact else dict(rtol=1e-5)  # not separable: the best rank-1 factors, rounded
    np.testing.assert_allclose(ns["col"], col[::-1] if operation == "convolution" else col, **close)
    np.testing.assert_allclose(ns["row"], row[::-1] if operation == "convolution" else row, **close)
    _, two_pass = engine.two_pass_conv2d(ns["x"][None], ns["col"], ns["row"], *config[3:5])
    np.testing.assert_allclose(ns["out"], two_pass[0], atol=1e-9)
    if exact:  # the two passes equal the full kernel
        full = engine.conv2d(ns["x"][None], kernel[None, None], *config[3:5], operation=operation)
        np.testing.assert_allclose(ns["out"], full[0], atol=1e-9)
    assert cost.params == sum(kernel.shape)


def used(col, row, operation):
    """The column and the row as the layers need them: both cross-correlate, so reversed for convolution."""
    return (col[::-1].copy(), row[::-1].copy()) if operation == "convolution" else (col, row)


@pytest.mark.parametrize("config", FRAMEWORK_SEPARABLE)
def test_spatially_separable_pytorch(config, torch):
    x, col, row, _, code, cost, expected = separable_case(*config)
    col, row = used(col, row, config[-1])
    torch_runs(torch, code.pytorch, "layer", x, cost, expected, {"weight": col.reshape(1, 1, -1, 1)},
               {"weight": row.reshape(1, 1, 1, -1)})


@pytest.mark.parametrize("config", FRAMEWORK_SEPARABLE)
def test_spatially_separable_keras(config, keras):
    x, col, row, _, code, cost, expected = separable_case(*config)
    col, row = used(col, row, config[-1])
    keras_runs(keras, code.keras, "model", "Conv2D", x, cost, expected, {"kernel": col.reshape(-1, 1, 1, 1)},
               {"kernel": row.reshape(1, -1, 1, 1)})


# ---- the Depthwise and Pointwise pages ------------------------------------------------------------

DEPTHWISE = [  # C, H, W, kernel size, depth multiplier m, stride, padding, dilation
    (3, 5, 5, 3, 1, 1, 0, 1),  # the page's default
    (16, 6, 6, 3, 1, 1, 0, 1),  # the lecture's 16 channels: random input
    (3, 5, 5, 3, 2, 1, "same", 1),
    (2, 8, 7, 2, 3, 2, "same", 2),  # an even kernel, stride with dilation
    (3, 7, 5, 3, 1, 2, "same", 1),  # "same" at stride 2: asymmetric
    (4, 8, 8, 5, 1, 3, 2, 1),
    (1, 2, 2, 1, 1, 1, 0, 1),  # the smallest
    (16, 8, 8, 5, 3, 3, 2, 2),  # the largest: random input and kernels
]


def depthwise_case(c, h, w, k, m, stride, padding, dilation):
    x = engine.input_pattern("random integers", c, h, w, 1)
    weights = engine.kernel_bank("random", c * m, 1, k, k, 2)[:, 0]
    code = codegen.depthwise(x, weights, stride, padding, dilation)
    cost = engine.depthwise_cost(x.shape, k, m, stride, padding, dilation)
    return x, weights, code, cost, engine.depthwise_conv2d(x, weights, stride, padding, dilation)


@pytest.mark.parametrize("config", DEPTHWISE)
def test_depthwise_numpy(config):
    x, weights, code, cost, expected = depthwise_case(*config)
    ns = numpy_checks(code, cost, (x, weights), expected)
    np.testing.assert_allclose(ns["out"], engine.depthwise_conv2d(ns["x"], ns["w"], *config[5:]), atol=1e-9)


@pytest.mark.parametrize("config", DEPTHWISE)
def test_depthwise_pytorch(config, torch):
    x, weights, code, cost, expected = depthwise_case(*config)
    torch_runs(torch, code.pytorch, "layer", x, cost, expected, {"weight": weights[:, None]})  # j on channel j // m


@pytest.mark.parametrize("config", DEPTHWISE)
def test_depthwise_keras(config, keras):
    x, weights, code, cost, expected = depthwise_case(*config)
    c, m, k = x.shape[0], config[4], config[3]
    kernels = weights.reshape(c, m, k, k).transpose(2, 3, 0, 1)  # kh × kw × C × m
    keras_runs(keras, code.keras, "model", "DepthwiseConv2D", x, cost, expected, {"kernel": kernels})


POINTWISE = [(3, 5, 5, 2), (1, 2, 2, 1), (8, 8, 8, 6)]  # C, H, W, N: the default, the smallest, the largest


def pointwise_case(c, h, w, n):
    x = engine.input_pattern("random integers", c, h, w, 4)
    weights = np.random.default_rng(4).integers(-2, 3, size=(n, c)).astype(float)
    code = codegen.pointwise(x, weights)
    return x, weights, code, engine.pointwise_cost(x.shape, n), engine.pointwise_conv2d(x, weights)


@pytest.mark.parametrize("config", POINTWISE)
def test_pointwise_numpy(config):
    x, weights, code, cost, expected = pointwise_case(*config)
    ns = numpy_checks(code, cost, (x, weights), expected)
    np.testing.assert_allclose(ns["out"], engine.pointwise_conv2d_loop(ns["x"], ns["w"]), atol=1e-9)


@pytest.mark.parametrize("config", POINTWISE)
def test_pointwise_pytorch(config, torch):
    x, weights, code, cost, expected = pointwise_case(*config)
    torch_runs(torch, code.pytorch, "layer", x, cost, expected, {"weight": weights[:, :, None, None]})


@pytest.mark.parametrize("config", POINTWISE)
def test_pointwise_keras(config, keras):
    x, weights, code, cost, expected = pointwise_case(*config)
    keras_runs(keras, code.keras, "model", "Conv2D", x, cost, expected, {"kernel": weights.T[None, None]})


# ---- the Depthwise separable page -----------------------------------------------------------------

DEPTHWISE_SEPARABLE = [  # (C, H, W), kernel size, N kernels, stride, padding, bias, groups
    ((3, 7, 7), 3, 128, 1, 0, False, 1),  # the lecture's first table
    ((3, 12, 12), 5, 256, 1, 0, True, 1),  # the second, with biases
    ((8, 9, 10), 3, 16, 2, "same", True, 4),  # "same" at stride 2: asymmetric
    ((4, 6, 5), 2, 8, 1, "same", False, 4),  # an even kernel
    ((6, 10, 10), 7, 12, 3, 3, False, 6),
    ((1, 3, 3), 1, 1, 1, 0, False, 1),  # the smallest
    ((64, 64, 64), 7, 512, 1, "same", True, 64),  # the largest
]


def depthwise_separable_case(in_shape, k, n, stride, padding, bias, groups):
    code = codegen.depthwise_separable(in_shape, k, n, stride, padding, bias, groups)
    cost = engine.depthwise_separable_cost(in_shape, k, n, stride, padding, bias=bias)
    grouped = engine.grouped_cost(in_shape, k, n, groups, stride, padding, bias=bias)
    return code, cost, grouped


def separable_layers(config) -> SimpleNamespace:
    """Whole-number input and weights for the PyTorch and Keras texts' separable and grouped layers (a bias of
    zeros when the page counts none), and what each computes, by the engine."""
    (c, h, w), k, n, stride, padding, bias, groups = config
    rng = np.random.default_rng(6)
    x = rng.integers(0, 10, size=(c, h, w)).astype(float)
    depthwise, pointwise, grouped, biases = (rng.integers(-2, 3, size=shape).astype(float) for shape in
                                             ((c, k, k), (n, c), (n, c // groups, k, k), n))
    biases = biases if bias else np.zeros(n)
    separable_out = engine.pointwise_conv2d(engine.depthwise_conv2d(x, depthwise, stride, padding), pointwise)
    grouped_out = engine.grouped_conv2d(x, grouped, groups, stride, padding)
    return SimpleNamespace(x=x, depthwise=depthwise, pointwise=pointwise, grouped=grouped,
                           bias={"bias": biases} if bias else {}, separable_out=separable_out + biases[:, None, None],
                           grouped_out=grouped_out + biases[:, None, None])


@pytest.mark.parametrize("config", DEPTHWISE_SEPARABLE)
def test_depthwise_separable_numpy(config):
    code, cost, grouped = depthwise_separable_case(*config)
    ns = run(code.numpy)
    stride, padding, bias = config[3:6]
    bias_values = ns["bias"][:, None, None] if bias else 0
    two_stages = engine.pointwise_conv2d(engine.depthwise_conv2d(ns["x"], ns["dw"], stride, padding), ns["pw"])
    np.testing.assert_allclose(ns["out"], two_stages + bias_values, atol=1e-9)
    one_stage = engine.conv2d(ns["x"], engine.equivalent_kernel(ns["dw"], ns["pw"]), stride, padding)
    np.testing.assert_allclose(ns["out"], one_stage + bias_values, atol=1e-9)
    assert code.random_arrays and "rng.integers(" in code.numpy  # the page shows counts; the code random values
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications
    for text in (code.numpy, code.pytorch, code.keras):  # the separable layers' count, then the grouped one's
        counts = [int(v.replace(",", "")) for v in PARAMS.findall(text)]
        assert counts in ([cost.params], [cost.params, grouped.params])
    assert code.params == cost.params
    assert f"groups={config[6]}" in code.pytorch and f"groups={config[6]}" in code.keras


@pytest.mark.parametrize("config", DEPTHWISE_SEPARABLE)
def test_depthwise_separable_pytorch(config, torch):
    code, cost, grouped = depthwise_separable_case(*config)
    v = separable_layers(config)
    torch_runs(torch, code.pytorch, "separable", v.x, cost, v.separable_out, {"weight": v.depthwise[:, None]},
               {"weight": v.pointwise[:, :, None, None], **v.bias})
    torch_runs(torch, code.pytorch, "grouped", v.x, grouped, v.grouped_out, {"weight": v.grouped, **v.bias})


@pytest.mark.parametrize("config", DEPTHWISE_SEPARABLE)
def test_depthwise_separable_keras(config, keras):
    code, cost, grouped = depthwise_separable_case(*config)
    v = separable_layers(config)
    keras_runs(keras, code.keras, "separable", "SeparableConv2D", v.x, cost, v.separable_out,
               {"depthwise_kernel": v.depthwise.transpose(1, 2, 0)[..., None],  # kh × kw × C × 1
                "pointwise_kernel": v.pointwise.T[None, None], **v.bias})  # 1 × 1 × C × N
    keras_runs(keras, code.keras, "grouped", "Conv2D", v.x, grouped, v.grouped_out,
               {"kernel": v.grouped.transpose(2, 3, 1, 0), **v.bias})  # kh × kw × C/g × N
