"""Flattening, the dense layer after it, and MobileNet v1 counted layer by layer.

MobileNet v1: Howard et al. (2017), "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications", Table 1. Conventions as the paper's: mult-adds = multiplications; convolution
layers have no bias (BatchNorm follows each); the fully connected layer has one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .costs import Cost, checked_in_shape, standard_cost
from .depthwise import depthwise_cost, pointwise_cost
from .errors import ConvConfigError
from .geometry import whole_number

FLATTEN_ORDERS = ("CHW", "HWC")


def flatten(x, order: str = "CHW") -> np.ndarray:
    """A (C, H, W) volume as one vector.

    "CHW": PyTorch's nn.Flatten on NCHW: entry c*H*W + h*W + w, width fastest.
    "HWC": Keras' Flatten on channels-last: entry h*W*C + w*C + c, channels fastest.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ConvConfigError(f"flatten expects a (channels, height, width) volume, got shape {x.shape}")
    if order == "CHW":
        return x.reshape(-1)
    if order == "HWC":
        return x.transpose(1, 2, 0).reshape(-1)
    raise ConvConfigError(f"order must be one of {', '.join(FLATTEN_ORDERS)}, got {order!r}")


def flat_index(c: int, h: int, w: int, shape, order: str = "CHW") -> int:
    """Where cell (c, h, w) of a (C, H, W) volume lands in the flattened vector."""
    channels, height, width = shape
    if order == "CHW":
        return (c * height + h) * width + w
    if order == "HWC":
        return (h * width + w) * channels + c
    raise ConvConfigError(f"order must be one of {', '.join(FLATTEN_ORDERS)}, got {order!r}")


def source_of(i: int, shape, order: str = "CHW") -> tuple[int, int, int]:
    """The (c, h, w) cell that entry i of the flattened vector came from."""
    channels, height, width = shape
    if not 0 <= i < channels * height * width:
        raise ConvConfigError(f"entry {i} is outside a vector of {channels * height * width}")
    if order == "CHW":
        c, rest = divmod(i, height * width)
        return (c, *divmod(rest, width))
    if order == "HWC":
        hw, c = divmod(i, channels)
        return (c, *divmod(hw, width))
    raise ConvConfigError(f"order must be one of {', '.join(FLATTEN_ORDERS)}, got {order!r}")


def dense_cost(inputs: int, units: int, bias: bool = True) -> Cost:
    """A fully connected layer: units x inputs multiplications and weights, plus units biases."""
    inputs, units = whole_number(inputs, "inputs"), whole_number(units, "units")
    if inputs < 1 or units < 1:
        raise ConvConfigError(f"a dense layer needs at least one input and one unit, got {inputs} and {units}")
    return Cost(inputs * units, units * (inputs - 1 + int(bias)), inputs * units + (units if bias else 0), (units,))


def global_average_pool_cost(in_shape) -> Cost:
    """(C, H, W) -> (C,): H*W - 1 additions per channel and one multiplication by 1/(H*W); no weights."""
    c, h, w = checked_in_shape(in_shape)
    return Cost(c, c * (h * w - 1), 0, (c,))


@dataclass(frozen=True)
class Layer:
    """One row of the network table."""

    name: str
    kind: str  # "standard 3×3", "depthwise 3×3", "pointwise 1×1", "average pool", "fully connected"
    stride: int
    in_shape: tuple
    kernel_shape: str
    cost: Cost


# Table 1's body after the first layer: (stride of the depthwise layer, output channels of the pointwise one)
MOBILENET_V1_BODY = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
                     (1, 512), (1, 512), (1, 512), (1, 512), (1, 512), (2, 1024), (1, 1024)]


def mobilenet_v1(alpha: float = 1.0, resolution: int = 224, separable: bool = True, classes: int = 1000,
                 bias: bool = False, fc_bias: bool = True) -> list[Layer]:
    """MobileNet v1 (Table 1) as a list of layers with their costs.

    alpha : width multiplier (channels x alpha); resolution : input height and width
    separable : False replaces every depthwise + pointwise pair by one standard 3x3 convolution
    bias : count a bias in every convolution too
    fc_bias : count the fully connected layer's 1000 biases (Table 2's parameter shares leave them out)
    Table 1 prints "Conv dw / s2" for the 13th depthwise layer on a 7x7 input; its output is 7x7,
    so, as in every implementation, it has stride 1 here.
    """
    if not 0 < alpha <= 4:
        raise ConvConfigError(f"alpha must be in (0, 4], got {alpha}")
    if resolution < 32:
        raise ConvConfigError(f"resolution must be at least 32, got {resolution}")

    def width(channels: int) -> int:
        return max(1, int(round(channels * alpha)))

    layers: list[Layer] = []
    shape = (3, resolution, resolution)
    first = standard_cost(shape, 3, width(32), stride=2, padding="same", bias=bias)
    layers.append(Layer("conv 1", "standard 3×3", 2, shape, f"3×3×3×{width(32)}", first))
    shape = first.out_shape
    for i, (stride, out) in enumerate(MOBILENET_V1_BODY, start=1):
        c = shape[0]
        if separable:
            dw = depthwise_cost(shape, 3, 1, stride, "same", bias=bias)
            layers.append(Layer(f"dw {i}", "depthwise 3×3", stride, shape, f"3×3×{c} dw", dw))
            pw = pointwise_cost(dw.out_shape, width(out), bias=bias)
            layers.append(Layer(f"pw {i}", "pointwise 1×1", 1, dw.out_shape, f"1×1×{c}×{width(out)}", pw))
            shape = pw.out_shape
        else:
            full = standard_cost(shape, 3, width(out), stride, "same", bias=bias)
            layers.append(Layer(f"conv {i + 1}", "standard 3×3", stride, shape, f"3×3×{c}×{width(out)}", full))
            shape = full.out_shape
    pool = global_average_pool_cost(shape)
    layers.append(Layer("avg pool", "average pool", 1, shape, f"pool {shape[1]}×{shape[2]}", pool))
    fc = dense_cost(shape[0], classes, bias=fc_bias)
    layers.append(Layer("fc", "fully connected", 1, (shape[0],), f"{shape[0]}×{classes}", fc))
    return layers


def network_totals(layers: list[Layer], include_pool: bool = False) -> Cost:
    """Mult-adds and parameters of the whole network (the paper leaves pooling out of mult-adds)."""
    total = Cost(0, 0, 0, ())
    for layer in layers:
        if layer.kind == "average pool" and not include_pool:
            continue
        total = total + layer.cost
    return total


def shares_by_kind(layers: list[Layer]) -> dict[str, tuple[float, float]]:
    """{kind: (share of mult-adds, share of parameters)} over the layers the paper counts."""
    counted = [layer for layer in layers if layer.kind != "average pool"]
    mults = sum(layer.cost.multiplications for layer in counted)
    params = sum(layer.cost.params for layer in counted)
    shares: dict[str, tuple[float, float]] = {}
    for layer in counted:
        m, p = shares.get(layer.kind, (0.0, 0.0))
        shares[layer.kind] = (m + layer.cost.multiplications / mults, p + layer.cost.params / params)
    return shares


# VGG-16's convolution stages (Simonyan & Zisserman 2015, configuration D): output channels, "M" = 2x2 max pool
VGG16_FEATURES = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16_features(resolution: int = 224, bias: bool = True) -> list[Layer]:
    """VGG-16's thirteen 3x3 convolutions (with biases, as the network has) and its pools, layer by layer."""
    layers: list[Layer] = []
    shape = (3, resolution, resolution)
    conv = 0
    for item in VGG16_FEATURES:
        if item == "M":
            c, h, w = shape
            out = (c, h // 2, w // 2)
            layers.append(Layer(f"pool {len(layers)}", "max pool", 2, shape, "2×2", Cost(0, 0, 0, out)))
            shape = out
            continue
        conv += 1
        cost = standard_cost(shape, 3, item, padding=1, bias=bias)
        layers.append(Layer(f"conv {conv}", "standard 3×3", 1, shape, f"3×3×{shape[0]}×{item}", cost))
        shape = cost.out_shape
    return layers
