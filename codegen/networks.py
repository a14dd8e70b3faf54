"""The network pages' code: flattening a volume into a dense layer, and MobileNet v1 counted, built and loaded.

Every count a text states is the engine's (engine.dense_cost, engine.mobilenet_v1).
"""

from __future__ import annotations

import numpy as np

from engine import dense_cost, mobilenet_v1, network_totals

from .layers import KERAS_HEAD, TORCH_HEAD, keras_model, torch_model
from .text import Snippets, arrays, count, multiplications_line, params_line, text, times


def flattening(x, order="CHW", units=10, dense=None) -> Snippets:
    """The Flattening page: x (C, H, W) flattened in `order` ("CHW" as PyTorch, "HWC" as Keras), then a
    dense layer of `units` with biases. dense = (C, H, W, units) of the framework texts' layer (the
    page's example), by default x's shape and units."""
    x = np.asarray(x, dtype=float)
    c, h, wd = x.shape
    size = c * h * wd
    fc_c, fc_h, fc_w, fc_units = dense if dense is not None else (c, h, wd, units)
    inputs = fc_c * fc_h * fc_w
    layer = dense_cost(inputs, fc_units)
    own = dense_cost(size, units)  # the NumPy text's layer, on x itself
    formula = params_line(f"{times(count(inputs), count(fc_units))} + {count(fc_units)}", layer.params)

    defined, random = arrays(("x", x, f"the volume x: C × H × W = {times(c, h, wd)}", 0, 10))
    numpy = ["import numpy as np", ""] + defined
    chw = "v = x.reshape(-1)  # CHW: channel by channel, width fastest (PyTorch's nn.Flatten)"
    hwc = "v = x.transpose(1, 2, 0).reshape(-1)  # HWC: pixel by pixel, channels fastest (Keras' Flatten)"
    numpy += [chw, "# " + hwc] if order == "CHW" else [hwc, "# " + chw]
    numpy += [f"print(v.shape)  # ({size},)",
              "",
              f"# a dense layer of {units} unit{'s' if units > 1 else ''} (random weights): "
              "one weight per unit and input, one bias per unit",
              "rng = np.random.default_rng(0)",
              f"W = rng.normal(size=({units}, {size}))",
              f"b = rng.normal(size={units})",
              "y = W @ v + b",
              f"print(y.shape)  # {own.out_shape}",
              params_line(f"{times(size, units)} + {units}", own.params),
              multiplications_line(times(units, size), own.multiplications)]
    example = ([f"# the page's example: {fc_h} × {fc_w} × {fc_c} → {fc_units} units"]
               if (fc_c, fc_h, fc_w, fc_units) != (c, h, wd, units) else [])

    torch = TORCH_HEAD + example + torch_model("model", [
        "nn.Flatten(),  # (batch, C, H, W) -> (batch, C·H·W), in CHW order",
        f"nn.Linear({inputs}, {fc_units}),  # with a bias per unit"]) + [formula] + [
        f"x = torch.zeros(1, {fc_c}, {fc_h}, {fc_w})  # a batch of one C × H × W volume",
        f"print(model(x).shape)  # torch.Size([1, {fc_units}])",
        f"print(sum(p.numel() for p in model.parameters()))  # {count(layer.params)}"]
    keras = KERAS_HEAD + example + keras_model("model", (fc_c, fc_h, fc_w), [
        "layers.Flatten(),  # in HWC order: the same weights in PyTorch need their columns permuted",
        f"layers.Dense({fc_units}),  # with a bias per unit (use_bias=True is the default)"]) + [formula] + [
        f"print(model.output_shape)  # (None, {fc_units})",
        f"print(model.count_params())  # {count(layer.params)}"]
    return Snippets(text(numpy), text(torch), text(keras), layer.params, random)


def _mobilenet_counts(alpha, resolution, bias, fc_bias, classes):
    """(widths, strides, mult-adds, params) of MobileNet v1 as the engine counts it: the channels of the
    first layer and of each pointwise layer, the strides of the depthwise layers."""
    layers = mobilenet_v1(alpha, resolution, classes=classes, bias=bias, fc_bias=fc_bias)
    total = network_totals(layers)
    widths = [layer.cost.out_shape[0] for layer in layers if layer.kind in ("standard 3×3", "pointwise 1×1")]
    strides = [layer.stride for layer in layers if layer.kind == "depthwise 3×3"]
    return widths, strides, total.multiplications, total.params


def mobilenet(alpha=1.0, resolution=224, bias=False, fc_bias=True, classes=1000) -> Snippets:
    """The Network costs page: MobileNet v1 counted in plain Python, built in PyTorch, loaded from Keras.

    bias: a bias in every convolution; fc_bias: the fully connected layer's biases (as mobilenet_v1).
    Keras' MobileNet has no convolution biases and always the classifier's, and BatchNormalization
    after every convolution: its count minus BatchNorm's equals the page's with bias off, fc_bias on."""
    widths, strides, multiply, params = _mobilenet_counts(alpha, resolution, bias, fc_bias, classes)
    weights = _mobilenet_counts(alpha, resolution, False, False, classes)[3]
    keras_params = _mobilenet_counts(alpha, resolution, False, True, classes)[3]
    channels = _mobilenet_counts(alpha, resolution, True, False, classes)[3] - weights  # one bias per conv channel
    terms = [f"{count(weights)} weights"] + ([f"{count(channels)} convolution biases"] if bias else []) + (
        [f"{count(classes)} fully connected biases"] if fc_bias else [])
    formula = params_line(" + ".join(terms), params)

    numpy = ["# plain Python: counting needs no arrays",
             f"resolution, classes = {resolution}, {classes}",
             f"widths = {widths}  # α = {alpha:g}: conv 1, then each pointwise layer",
             f"strides = {strides}  # of the 13 depthwise layers",
             "",
             "size = -(-resolution // 2)  # conv 1: 3 × 3 × 3, stride 2, \"same\" padding: ceil(resolution / 2)",
             "mult_adds = size * size * 3 * 3 * 3 * widths[0]",
             "params = 3 * 3 * 3 * widths[0]" + (" + widths[0]" if bias else ""),
             "for c_in, c_out, s in zip(widths, widths[1:], strides):",
             "    size = -(-size // s)  # \"same\" padding: ceil(size / stride)",
             "    mult_adds += size * size * 3 * 3 * c_in  # depthwise 3 × 3",
             "    mult_adds += size * size * c_in * c_out  # pointwise 1 × 1",
             "    params += 3 * 3 * c_in + c_in * c_out" + (" + c_in + c_out  # with their biases" if bias else ""),
             "mult_adds += widths[-1] * classes  # fully connected, after the average pool",
             "params += widths[-1] * classes" + (" + classes" if fc_bias else ""),
             f'print(f"{{mult_adds:,}} mult-adds, {{params:,}} parameters")  '
             f"# {count(multiply)} mult-adds, {count(params)} parameters",
             formula]

    torch = TORCH_HEAD + [
        f"widths = {widths}  # α = {alpha:g}",
        f"strides = {strides}",
        "",
        "def conv(c_in, c_out, k, stride=1, groups=1):  # a convolution, then BatchNorm and ReLU",
        f"    return [nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, groups=groups, bias={bias}),",
        "            nn.BatchNorm2d(c_out), nn.ReLU()]",
        "",
        "modules = conv(3, widths[0], 3, stride=2)",
        "for c_in, c_out, s in zip(widths, widths[1:], strides):",
        "    modules += conv(c_in, c_in, 3, s, groups=c_in)  # depthwise 3 × 3",
        "    modules += conv(c_in, c_out, 1)  # pointwise 1 × 1",
        "model = nn.Sequential(*modules, nn.AdaptiveAvgPool2d(1), nn.Flatten(),",
        f"                      nn.Linear(widths[-1], {classes}{'' if fc_bias else ', bias=False'}))",
        formula,
        f"print(model(torch.zeros(1, 3, {resolution}, {resolution})).shape)  # torch.Size([1, {classes}])",
        "# counted as on this page: Conv2d and Linear, not BatchNorm",
        "print(sum(p.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))",
        f"          for p in m.parameters()))  # {count(params)}",
        f"# BatchNorm2d adds 2 per channel (γ and β): 2 × {count(channels)} = {count(2 * channels)}",
        f"print(sum(p.numel() for p in model.parameters()))  # {count(params + 2 * channels)}"]

    keras = ["import keras", "",
             f"model = keras.applications.MobileNet(input_shape=({resolution}, {resolution}, 3), "
             f"alpha={float(alpha)!r}, classes={classes}, weights=None)",
             f"print(model.output_shape)  # (None, {classes})",
             f"# BatchNormalization keeps 4 per channel (γ, β, running mean, variance): 4 × {count(channels)}",
             "batchnorm = sum(layer.count_params() for layer in model.layers",
             "                if isinstance(layer, keras.layers.BatchNormalization))",
             f"print(batchnorm)  # {count(4 * channels)}",
             f"print(model.count_params() - batchnorm)  # {count(keras_params)}",
             params_line(f"{count(weights)} weights + {count(classes)} fully connected biases", keras_params)]
    if bias or not fc_bias:
        keras.append(f"# this page counts {count(params)} with its boxes as they are now: Keras' MobileNet has no "
                     "convolution biases and always the classifier's")
    return Snippets(text(numpy), text(torch), text(keras), params, False)
