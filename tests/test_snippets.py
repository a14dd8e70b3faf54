"""The "Show the code" snippets: run, and checked against the engine.

- The NumPy snippets are executed and their results compared with the engine's functions.
- The PyTorch and Keras snippets are executed against small stand-ins for torch.nn and keras.layers
  (written below; neither framework is installed or imported) that count parameters and work out
  output shapes by the frameworks' documented formulas, refuse what the frameworks refuse, and raise
  on an unknown keyword argument. Their counts must equal the engine's.
- Every print() in a snippet carries the value it prints as a comment; that comment must be right.
- Every page shows the snippets, and the PyTorch snippet states the page's own parameter count.
"""

from __future__ import annotations

import ast
import io
import math
import re
import sys
import tokenize
import types

import numpy as np
import pytest

import engine
import ui
from codegen import snippets
from engine import ConvConfigError

PARAMS = re.compile(r"^# parameters: .*= ([\d,]+)$", re.M)
MULTIPLICATIONS = re.compile(r"^# multiplications: .*= ([\d,]+)$", re.M)


def stated(pattern, code: str) -> int:
    """The first count a snippet states on a "# parameters: ... = n" (or multiplications) line."""
    match = pattern.search(code)
    assert match, code
    return int(match[1].replace(",", ""))


# ---- a stand-in for torch and torch.nn ------------------------------------------------------------
# Shapes and counts as PyTorch documents them: Conv2d's weight is (out, in / groups, kh, kw) plus
# `out` biases; its output size is floor((i + 2p - d (k - 1) - 1) / s) + 1; padding="same" is
# refused for strided convolutions; Linear holds out x in weights plus out biases; BatchNorm2d holds
# a weight and a bias per channel (its running statistics are buffers, not parameters).

class Size(tuple):
    def __repr__(self):
        return "torch.Size([" + ", ".join(str(v) for v in self) + "])"

    __str__ = __repr__


class Tensor:
    def __init__(self, *shape):
        if any(not isinstance(v, int) or v < 1 for v in shape):
            raise RuntimeError(f"invalid tensor shape {shape}")
        self.shape = Size(shape)

    def numel(self) -> int:
        return math.prod(self.shape)


def zeros(*size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return Tensor(*size)


def _int_pair(value, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


class Module:
    def __init__(self):
        self._parameters, self._children = [], []

    def parameters(self):
        for module in self.modules():
            yield from module._parameters

    def modules(self):
        yield self
        for child in self._children:
            yield from child.modules()

    def __call__(self, x):
        if not isinstance(x, Tensor):
            raise TypeError("expected a tensor")
        return self.forward(x)


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _int_pair(kernel_size, "kernel_size"), _int_pair(stride, "stride")
        self.dilation = _int_pair(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _int_pair(padding, "padding")
        self._parameters.append(Tensor(out_channels, in_channels // groups, *self.kernel_size))
        if bias:
            self._parameters.append(Tensor(out_channels))

    def forward(self, x):
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise RuntimeError(f"expected {self.in_channels} input channels, got {c}")
        size = []
        for axis, i in enumerate((h, w)):
            if self.padding == "same":
                size.append(i)
                continue
            p = 0 if self.padding == "valid" else self.padding[axis]
            k, s, d = self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            size.append((i + 2 * p - d * (k - 1) - 1) // s + 1)
        return Tensor(n, self.out_channels, *size)


class ZeroPad2d(Module):
    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * 4
        if not (isinstance(padding, tuple) and len(padding) == 4):
            raise TypeError("padding must be an int or (left, right, top, bottom)")
        self.padding = padding

    def forward(self, x):
        n, c, h, w = x.shape
        left, right, top, bottom = self.padding
        return Tensor(n, c, h + top + bottom, w + left + right)


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self._parameters.append(Tensor(out_features, in_features))
        if bias:
            self._parameters.append(Tensor(out_features))

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise RuntimeError(f"expected {self.in_features} features, got {x.shape[-1]}")
        return Tensor(*x.shape[:-1], self.out_features)


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()

    def forward(self, x):
        return Tensor(x.shape[0], math.prod(x.shape[1:]))


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        if not all(isinstance(m, Module) for m in modules):
            raise TypeError("Sequential takes modules")
        self._children = list(modules)

    def __getitem__(self, i):
        return self._children[i]

    def forward(self, x):
        for module in self._children:
            x = module(x)
        return x


class BatchNorm2d(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None):
        super().__init__()
        self.num_features = num_features
        if affine:
            self._parameters += [Tensor(num_features), Tensor(num_features)]

    def forward(self, x):
        if x.shape[1] != self.num_features:
            raise RuntimeError("BatchNorm2d: wrong number of channels")
        return x


class ReLU(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return x


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = _int_pair(output_size, "output_size")

    def forward(self, x):
        return Tensor(*x.shape[:2], *self.output_size)


# ---- a stand-in for keras and keras.layers ----------------------------------------------------------
# Channels last. Counts as Keras builds its weights: Conv2D (kh, kw, C / groups, filters) plus
# filters biases; DepthwiseConv2D (kh, kw, C, m) plus C*m biases; SeparableConv2D (kh, kw, C, m) and
# (1, 1, C*m, filters) plus filters biases; Dense in*units plus units; BatchNormalization 4 per channel
# (gamma, beta, moving mean, moving variance). Output sizes as Keras' compute_conv_output_shape:
# "valid" floor((i - d (k - 1) - 1) / s) + 1, "same" floor((i - 1) / s) + 1. Strides > 1 together
# with dilation_rate > 1 are refused, as Keras does.

def _tuple(value, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value
    raise ValueError(f"{name} must be an int or a tuple of 2 ints, got {value!r}")


def _conv_size(i, k, s, d, padding):
    size = (i - 1) // s + 1 if padding == "same" else (i - d * (k - 1) - 1) // s + 1
    if size < 1:
        raise ValueError("computed output size would be negative")
    return size


class Layer:
    params = 0

    def count_params(self) -> int:
        return self.params


class _Conv(Layer):
    def _setup(self, kernel_size, strides, padding, dilation_rate):
        self.kernel_size, self.strides = _tuple(kernel_size, "kernel_size"), _tuple(strides, "strides")
        self.dilation_rate = _tuple(dilation_rate, "dilation_rate")
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding.lower()
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > 1`")

    def _size(self, h, w):
        return tuple(_conv_size(i, k, s, d, self.padding)
                     for i, k, s, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate))


class Conv2D(_Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 name=None):
        self._setup(kernel_size, strides, padding, dilation_rate)
        if filters % groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups")
        self.filters, self.groups, self.use_bias = filters, groups, use_bias

    def build(self, shape):
        _, h, w, c = shape
        if c % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the number of groups")
        kh, kw = self.kernel_size
        self.params = kh * kw * (c // self.groups) * self.filters + (self.filters if self.use_bias else 0)
        return (None, *self._size(h, w), self.filters)


class DepthwiseConv2D(_Conv):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        self._setup(kernel_size, strides, padding, dilation_rate)
        self.depth_multiplier, self.use_bias = depth_multiplier, use_bias

    def build(self, shape):
        _, h, w, c = shape
        kh, kw = self.kernel_size
        out = c * self.depth_multiplier
        self.params = kh * kw * out + (out if self.use_bias else 0)
        return (None, *self._size(h, w), out)


class SeparableConv2D(_Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", name=None):
        self._setup(kernel_size, strides, padding, dilation_rate)
        self.filters, self.depth_multiplier, self.use_bias = filters, depth_multiplier, use_bias

    def build(self, shape):
        _, h, w, c = shape
        kh, kw = self.kernel_size
        middle = c * self.depth_multiplier
        self.params = kh * kw * middle + middle * self.filters + (self.filters if self.use_bias else 0)
        return (None, *self._size(h, w), self.filters)


class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        self.units, self.use_bias = units, use_bias

    def build(self, shape):
        if len(shape) != 2:
            raise ValueError("this stand-in takes a flat input")
        self.params = shape[1] * self.units + (self.units if self.use_bias else 0)
        return (None, self.units)


class KerasFlatten(Layer):
    def __init__(self, data_format=None, name=None):
        pass

    def build(self, shape):
        return (None, math.prod(shape[1:]))


class ZeroPadding2D(Layer):
    def __init__(self, padding=(1, 1), data_format=None, name=None):
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif len(padding) == 2 and all(isinstance(v, int) for v in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        elif not (len(padding) == 2 and all(isinstance(v, tuple) and len(v) == 2 for v in padding)):
            raise ValueError(f"bad padding {padding!r}")
        self.padding = padding

    def build(self, shape):
        _, h, w, c = shape
        (top, bottom), (left, right) = self.padding
        return (None, h + top + bottom, w + left + right, c)


class MaxPooling2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None):
        self.pool_size = _tuple(pool_size, "pool_size")
        self.strides = _tuple(strides, "strides") if strides is not None else self.pool_size
        self.padding = padding

    def build(self, shape):
        _, h, w, c = shape
        return (None, *(_conv_size(i, k, s, 1, self.padding)
                        for i, k, s in zip((h, w), self.pool_size, self.strides)), c)


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, name=None):
        pass

    def build(self, shape):
        self.params = 4 * shape[-1]
        return shape


class _PassThrough(Layer):
    def build(self, shape):
        return shape


class KerasReLU(_PassThrough):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, name=None):
        pass


class Dropout(_PassThrough):
    def __init__(self, rate, noise_shape=None, seed=None, name=None):
        pass


class Activation(_PassThrough):
    def __init__(self, activation, name=None):
        pass


class GlobalAveragePooling2D(Layer):
    def __init__(self, data_format=None, keepdims=False, name=None):
        self.keepdims = keepdims

    def build(self, shape):
        return (None, 1, 1, shape[-1]) if self.keepdims else (None, shape[-1])


class Reshape(Layer):
    def __init__(self, target_shape, name=None):
        self.target_shape = tuple(target_shape)

    def build(self, shape):
        if math.prod(shape[1:]) != math.prod(self.target_shape):
            raise ValueError("Reshape: the sizes differ")
        return (None, *self.target_shape)


class KerasInput:
    def __init__(self, shape):
        self.shape = (None, *shape)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    return KerasInput(tuple(shape))


class Model:
    def __init__(self, built, output_shape):
        self.layers, self.output_shape = built, output_shape

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)


def KerasSequential(layers=None, trainable=True, name=None):
    layers = list(layers)
    if not isinstance(layers[0], KerasInput):
        raise ValueError("this stand-in wants keras.Input first")
    shape = layers[0].shape
    for layer in layers[1:]:
        shape = layer.build(shape)
    return Model(layers[1:], shape)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """keras.applications.MobileNet's layers, as keras/src/applications/mobilenet.py builds them."""
    if weights is not None:
        raise ValueError("the snippet must not download weights")
    built, shape = [], (None, *input_shape)

    def add(layer):
        nonlocal shape
        shape = layer.build(shape)
        built.append(layer)

    add(Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2)))
    add(BatchNormalization())
    add(KerasReLU(6.0))
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
              (512, 1), (1024, 2), (1024, 1)]
    for filters, stride in blocks:
        if stride != 1:
            add(ZeroPadding2D(((0, 1), (0, 1))))
        add(DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid", depth_multiplier=depth_multiplier,
                            strides=(stride, stride), use_bias=False))
        add(BatchNormalization())
        add(KerasReLU(6.0))
        add(Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1)))
        add(BatchNormalization())
        add(KerasReLU(6.0))
    if include_top:
        add(GlobalAveragePooling2D(keepdims=True))
        add(Dropout(dropout))
        add(Conv2D(classes, (1, 1), padding="same"))
        add(Reshape((classes,)))
        add(Activation(classifier_activation))
    return Model(built, shape)


def _module(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


def _fakes():
    nn = _module("torch.nn", Module=Module, Conv2d=Conv2d, ZeroPad2d=ZeroPad2d, Linear=Linear, Flatten=Flatten,
                 Sequential=Sequential, BatchNorm2d=BatchNorm2d, ReLU=ReLU, AdaptiveAvgPool2d=AdaptiveAvgPool2d)
    torch = _module("torch", nn=nn, zeros=zeros, randn=zeros, Size=Size, Tensor=Tensor)
    layers = _module("keras.layers", Conv2D=Conv2D, DepthwiseConv2D=DepthwiseConv2D, SeparableConv2D=SeparableConv2D,
                     Dense=Dense, Flatten=KerasFlatten, ZeroPadding2D=ZeroPadding2D, MaxPooling2D=MaxPooling2D,
                     BatchNormalization=BatchNormalization, ReLU=KerasReLU, Dropout=Dropout, Activation=Activation,
                     GlobalAveragePooling2D=GlobalAveragePooling2D, Reshape=Reshape)
    applications = _module("keras.applications", MobileNet=MobileNet)
    keras = _module("keras", layers=layers, applications=applications, Input=Input, Sequential=KerasSequential)
    return {"torch": torch, "torch.nn": nn, "keras": keras, "keras.layers": layers, "keras.applications": applications}


def install_fakes(monkeypatch):
    for name, module in _fakes().items():
        monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture
def frameworks(monkeypatch):
    """The stand-ins in place of torch and keras, for this test only."""
    install_fakes(monkeypatch)


# ---- running a snippet ------------------------------------------------------------------------------

def _print_comments(code: str) -> dict[tuple[int, int], str]:
    """{(first line, last line) of each print() statement: the comment after it}."""
    comments = {tok.start[0]: tok.string[1:].strip()
                for tok in tokenize.generate_tokens(io.StringIO(code).readline) if tok.type == tokenize.COMMENT}
    found = {}
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "print" and node.end_lineno in comments):
            found[(node.lineno, node.end_lineno)] = comments[node.end_lineno]
    return found


def run(code: str) -> dict:
    """Execute a snippet in a fresh namespace; check that every commented print() prints its comment."""
    printed = {}

    def record(*args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_filename == "<snippet>":
            printed.setdefault(frame.f_lineno, []).append(" ".join(str(a) for a in args))

    namespace = {"print": record, "__name__": "snippet"}
    exec(compile(code, "<snippet>", "exec"), namespace)
    for (first, last), comment in _print_comments(code).items():
        values = [v for line, vs in printed.items() if first <= line <= last for v in vs]
        assert len(values) == 1, (first, comment, printed)
        value = values[0]
        if re.fullmatch(r"[\d,]+", comment):
            value, comment = value.replace(",", ""), comment.replace(",", "")
        assert value == comment, f"line {first} prints {values[0]!r}, its comment says {comment!r}\n{code}"
    return namespace


def torch_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


# ---- configurations -----------------------------------------------------------------------------------

PADDINGS = [0, 1, 2, 3, "valid", "same", "full"]


def conv_configs(count=40, seed=7):
    """Seeded random Convolution-page configurations the engine accepts, a few too large to write out."""
    rng = np.random.default_rng(seed)
    configs = [dict(c=1, h=5, w=5, n=1, kh=3, kw=3, stride=1, padding=0, dilation=1, op="correlation")]
    while len(configs) < count:
        big = len(configs) % 8 == 0
        config = dict(c=int(rng.integers(1, 4)), h=int(rng.integers(2, 10 if not big else 14)),
                      w=int(rng.integers(2, 10 if not big else 14)), n=int(rng.integers(1, 4)),
                      kh=int(rng.integers(1, 5)), kw=int(rng.integers(1, 5)), stride=int(rng.integers(1, 4)),
                      padding=PADDINGS[int(rng.integers(len(PADDINGS)))], dilation=int(rng.integers(1, 4)),
                      op=("correlation", "convolution")[int(rng.integers(2))])
        try:
            engine.plan((config["h"], config["w"]), (config["kh"], config["kw"]), config["stride"], config["padding"],
                        config["dilation"])
        except ConvConfigError:
            continue
        configs.append(config)
    return configs


def conv_arrays(config, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(config["c"], config["h"], config["w"])).astype(float)
    w = rng.integers(-2, 3, size=(config["n"], config["c"], config["kh"], config["kw"])).astype(float)
    return x, w


# ---- the Convolution page ----------------------------------------------------------------------------

@pytest.mark.parametrize("config", conv_configs())
def test_standard_convolution_snippets(config, frameworks):
    x, w = conv_arrays(config)
    s, p, d = config["stride"], config["padding"], config["dilation"]
    code = snippets.standard(x, w, s, p, d, config["op"])
    cost = engine.standard_cost(x.shape, w.shape[2:], w.shape[0], s, p, d)

    ns = run(code.numpy)
    used = w[:, :, ::-1, ::-1] if config["op"] == "convolution" else w
    if x.size <= snippets.LITERAL_LIMIT and w.size <= snippets.LITERAL_LIMIT:
        np.testing.assert_array_equal(ns["x"], x)
        np.testing.assert_array_equal(ns["w"], used)
    np.testing.assert_allclose(ns["out"], engine.conv2d(ns["x"], ns["w"], s, p, d), atol=1e-9)
    assert ns["out"].shape == cost.out_shape
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications

    torch = run(code.pytorch)
    assert torch_params(torch["layer"]) == cost.params == code.params
    assert torch["layer"](zeros(1, *x.shape)).shape == (1, *cost.out_shape)
    keras = run(code.keras)
    assert keras["model"].count_params() == cost.params
    assert keras["model"].output_shape == (None, *cost.out_shape[1:], cost.out_shape[0])
    for text in (code.numpy, code.pytorch, code.keras):
        assert stated(PARAMS, text) == cost.params


def test_the_lectures_example_written_out():
    x = engine.input_pattern("random integers", 1, 5, 5, 0)
    w = engine.kernel_bank("Sobel x", 1, 1, 3, 3, 0)
    code = snippets.standard(x, w)
    assert "# parameters: 1 × 1 × 3 × 3 = 9" in code.numpy.splitlines()
    assert "= 81" in code.numpy
    assert "rng" not in code.numpy  # small enough to be written out
    assert "nn.Conv2d(1, 1, kernel_size=(3, 3), stride=1, padding=0, dilation=1, bias=False)" in code.pytorch
    assert 'layers.Conv2D(1, (3, 3), strides=1, padding="valid", dilation_rate=1, use_bias=False)' in code.keras
    np.testing.assert_array_equal(run(code.numpy)["out"], engine.conv2d(x, w))


def test_box_blur_is_written_as_whole_numbers_over_a_denominator():
    x = engine.input_pattern("checkerboard", 1, 4, 4)
    w = engine.kernel_bank("box blur", 1, 1, 3, 3)
    code = snippets.standard(x, w)
    assert ") / 9" in code.numpy
    np.testing.assert_array_equal(run(code.numpy)["w"], w)


@pytest.mark.parametrize("padding, stride, dilation, torch_text, keras_text", [
    ("same", 1, 1, 'padding="same"', 'padding="same"'),
    ("same", 2, 1, "nn.ZeroPad2d((0, 1, 0, 1))", 'strides=2, padding="same"'),  # 6 wide, 3x3 kernel: 0 before, 1 after
    ("same", 2, 2, "nn.ZeroPad2d(", "layers.MaxPooling2D(pool_size=1, strides=2)"),
    (2, 1, 1, "padding=2", "layers.ZeroPadding2D(2)"),
    ("full", 1, 2, "padding=4", "layers.ZeroPadding2D(4)"),
    ("valid", 1, 1, 'padding="valid"', 'padding="valid"'),
])
def test_where_the_frameworks_differ_the_snippets_say_so(padding, stride, dilation, torch_text, keras_text, frameworks):
    x, w = conv_arrays(dict(c=1, h=6, w=6, n=1, kh=3, kw=3))
    code = snippets.standard(x, w, stride, padding, dilation)
    assert torch_text in code.pytorch
    assert keras_text in code.keras
    run(code.pytorch), run(code.keras)


def test_the_stand_ins_refuse_what_the_frameworks_refuse(frameworks):
    with pytest.raises(TypeError):
        Conv2d(1, 1, 3, strides=2)  # PyTorch says stride
    with pytest.raises(TypeError):
        Conv2D(1, 3, stride=2)  # Keras says strides
    with pytest.raises(TypeError):
        Dense(10, bias=False)  # Keras says use_bias
    with pytest.raises(ValueError):
        Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError):
        Conv2D(1, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError):
        Conv2D(1, 3, padding="full")
    with pytest.raises(ValueError):
        Conv2d(3, 4, 3, groups=3)


def test_the_keras_stand_in_counts_mobilenet_as_keras_publishes_it():
    # Keras' model.summary() of MobileNet (alpha 1, 224, 1000 classes): 4,253,864 parameters, 21,888 non-trainable
    model = MobileNet(input_shape=(224, 224, 3), weights=None)
    assert model.count_params() == 4_253_864
    assert model.output_shape == (None, 1000)
    batchnorm = sum(layer.count_params() for layer in model.layers if isinstance(layer, BatchNormalization))
    assert batchnorm == 2 * 21_888


# ---- the Spatially separable page ----------------------------------------------------------------------

def separable_configs(count=30, seed=11):
    rng = np.random.default_rng(seed)
    kernels = [engine.separable_preset(name) for name in engine.SEPARABLE_PRESETS]
    configs = []
    while len(configs) < count:
        i = len(configs)
        if i < len(kernels):
            kernel = kernels[i]
        elif i % 2:
            kernel = np.outer(rng.integers(-3, 4, size=int(rng.integers(1, 6))),
                              rng.integers(-3, 4, size=int(rng.integers(1, 6)))).astype(float)
        else:
            kernel = rng.normal(size=(int(rng.integers(2, 6)), int(rng.integers(2, 6))))
        h, w = int(rng.integers(2, 12)), int(rng.integers(2, 12))
        stride, padding = int(rng.integers(1, 4)), PADDINGS[int(rng.integers(len(PADDINGS)))]
        try:
            engine.plan((h, w), kernel.shape, stride, padding)
        except ConvConfigError:
            continue
        configs.append((kernel, h, w, stride, padding, ("correlation", "convolution")[i % 3 == 0]))
    return configs


@pytest.mark.parametrize("kernel, h, w, stride, padding, operation", separable_configs())
def test_spatially_separable_snippets(kernel, h, w, stride, padding, operation, frameworks):
    factors = engine.separable_factors(kernel)
    exact = factors is not None
    col, row = factors if exact else (engine.low_rank(kernel).cols[0], engine.low_rank(kernel).rows[0])
    x = engine.input_pattern("random integers", 1, h, w, 3)[0]
    code = snippets.spatially_separable(x, col, row, stride, padding, operation, exact)
    cost = engine.spatially_separable_cost((1, h, w), kernel.shape, stride, padding)

    ns = run(code.numpy)
    close = dict(rtol=1e-10) if exact else dict(rtol=1e-5)  # non-separable: the best rank-1 factors, rounded
    np.testing.assert_allclose(ns["col"], col[::-1] if operation == "convolution" else col, **close)
    np.testing.assert_allclose(ns["row"], row[::-1] if operation == "convolution" else row, **close)
    _, two_pass = engine.two_pass_conv2d(ns["x"][None], ns["col"], ns["row"], stride, padding)
    np.testing.assert_allclose(ns["out"], two_pass[0], atol=1e-9)
    if exact:  # the two passes equal the full kernel (turned by 180° for convolution)
        full = kernel[::-1, ::-1] if operation == "convolution" else kernel
        np.testing.assert_allclose(ns["out"], engine.conv2d(x[None], full[None, None], stride, padding)[0],
                                   atol=1e-9)
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications

    torch, keras = run(code.pytorch), run(code.keras)
    assert torch_params(torch["layer"]) == cost.params == code.params == sum(kernel.shape)
    assert torch["layer"](zeros(1, 1, h, w)).shape == (1, *cost.out_shape)
    assert keras["model"].count_params() == cost.params
    assert keras["model"].output_shape == (None, *cost.out_shape[1:], 1)
    for text in (code.numpy, code.pytorch, code.keras):
        assert stated(PARAMS, text) == cost.params


# ---- the Depthwise and Pointwise pages ------------------------------------------------------------------

def depthwise_configs(count=30, seed=5):
    rng = np.random.default_rng(seed)
    configs = [dict(c=16, h=6, w=6, k=3, m=1, stride=1, padding=0, dilation=1)]  # the lecture's example
    while len(configs) < count:
        config = dict(c=int(rng.integers(1, 5)), h=int(rng.integers(2, 9)), w=int(rng.integers(2, 9)),
                      k=int(rng.integers(1, 5)), m=int(rng.integers(1, 4)), stride=int(rng.integers(1, 4)),
                      padding=[0, 1, 2, "same"][int(rng.integers(4))], dilation=int(rng.integers(1, 4)))
        try:
            engine.plan((config["h"], config["w"]), config["k"], config["stride"], config["padding"],
                        config["dilation"])
        except ConvConfigError:
            continue
        configs.append(config)
    return configs


@pytest.mark.parametrize("config", depthwise_configs())
def test_depthwise_snippets(config, frameworks):
    c, m, k = config["c"], config["m"], config["k"]
    s, p, d = config["stride"], config["padding"], config["dilation"]
    x = engine.input_pattern("random integers", c, config["h"], config["w"], 1)
    w = engine.kernel_bank("random", c * m, 1, k, k, 2)[:, 0]
    code = snippets.depthwise(x, w, s, p, d)
    cost = engine.depthwise_cost(x.shape, k, m, s, p, d)

    ns = run(code.numpy)
    np.testing.assert_allclose(ns["out"], engine.depthwise_conv2d(ns["x"], ns["w"], s, p, d), atol=1e-9)
    if x.size <= snippets.LITERAL_LIMIT:
        np.testing.assert_array_equal(ns["x"], x)
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications

    torch, keras = run(code.pytorch), run(code.keras)
    assert torch_params(torch["layer"]) == cost.params == code.params
    assert torch["layer"](zeros(1, *x.shape)).shape == (1, *cost.out_shape)
    assert keras["model"].count_params() == cost.params
    assert keras["model"].output_shape == (None, *cost.out_shape[1:], cost.out_shape[0])
    for text in (code.numpy, code.pytorch, code.keras):
        assert stated(PARAMS, text) == cost.params


@pytest.mark.parametrize("c, h, w, n", [(3, 5, 5, 2), (1, 2, 2, 1), (8, 8, 8, 6), (3, 5, 5, 128)])
def test_pointwise_snippets(c, h, w, n, frameworks):
    x = engine.input_pattern("random integers", c, h, w, 4)
    weights = np.random.default_rng(4).integers(-2, 3, size=(n, c)).astype(float)
    code = snippets.pointwise(x, weights)
    cost = engine.pointwise_cost(x.shape, n)

    ns = run(code.numpy)
    np.testing.assert_allclose(ns["out"], engine.pointwise_conv2d(ns["x"], ns["w"]), atol=1e-9)
    np.testing.assert_allclose(ns["out"], engine.pointwise_conv2d_loop(ns["x"], ns["w"]), atol=1e-9)
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications

    torch, keras = run(code.pytorch), run(code.keras)
    assert torch_params(torch["layer"]) == cost.params == code.params
    assert torch["layer"](zeros(1, c, h, w)).shape == (1, *cost.out_shape)
    assert keras["model"].count_params() == cost.params
    assert keras["model"].output_shape == (None, h, w, n)
    for text in (code.numpy, code.pytorch, code.keras):
        assert stated(PARAMS, text) == cost.params


# ---- the Depthwise separable page ---------------------------------------------------------------------

def separable_layer_configs(count=30, seed=3):
    rng = np.random.default_rng(seed)
    configs = [((3, 7, 7), 3, 128, 1, 0, False, 1), ((3, 12, 12), 5, 256, 1, 0, True, 1)]  # the lecture's tables
    while len(configs) < count:
        c, n = int(rng.integers(1, 9)), int(rng.integers(1, 17))
        groups = [g for g in range(1, min(c, n) + 1) if c % g == 0 and n % g == 0]
        config = ((c, int(rng.integers(3, 11)), int(rng.integers(3, 11))), int(rng.integers(1, 6)), n,
                  int(rng.integers(1, 4)), [0, 1, 2, 3, "same"][int(rng.integers(5))], bool(rng.integers(2)),
                  groups[int(rng.integers(len(groups)))])
        try:
            engine.plan(config[0][1:], config[1], config[3], config[4])
        except ConvConfigError:
            continue
        configs.append(config)
    return configs


@pytest.mark.parametrize("in_shape, k, n, stride, padding, bias, groups", separable_layer_configs())
def test_depthwise_separable_snippets(in_shape, k, n, stride, padding, bias, groups, frameworks):
    code = snippets.depthwise_separable(in_shape, k, n, stride, padding, bias, groups)
    cost = engine.depthwise_separable_cost(in_shape, k, n, stride, padding, bias=bias)
    grouped = engine.grouped_cost(in_shape, k, n, groups, stride, padding, bias=bias)

    ns = run(code.numpy)
    bias_values = ns["bias"][:, None, None] if bias else 0
    two_stages = engine.pointwise_conv2d(engine.depthwise_conv2d(ns["x"], ns["dw"], stride, padding), ns["pw"])
    np.testing.assert_allclose(ns["out"], two_stages + bias_values, atol=1e-9)
    one_stage = engine.conv2d(ns["x"], engine.equivalent_kernel(ns["dw"], ns["pw"]), stride, padding)
    np.testing.assert_allclose(ns["out"], one_stage + bias_values, atol=1e-9)
    assert stated(MULTIPLICATIONS, code.numpy) == cost.multiplications

    torch, keras = run(code.pytorch), run(code.keras)
    x = zeros(1, *in_shape)
    assert torch_params(torch["separable"]) == cost.params == code.params
    assert torch["separable"](x).shape == (1, *cost.out_shape)
    assert torch_params(torch["grouped"]) == grouped.params
    assert torch["grouped"](x).shape == (1, *grouped.out_shape)
    assert keras["separable"].count_params() == cost.params
    assert keras["separable"].output_shape == (None, *cost.out_shape[1:], n)
    assert keras["grouped"].count_params() == grouped.params
    assert keras["grouped"].output_shape == (None, *grouped.out_shape[1:], n)
    for text in (code.numpy, code.pytorch, code.keras):
        counts = [int(v.replace(",", "")) for v in PARAMS.findall(text)]
        assert counts[0] == cost.params
        assert counts[1:] in ([], [grouped.params])
    assert f"groups={groups}" in code.pytorch and f"groups={groups}" in code.keras


# ---- the Flattening page -----------------------------------------------------------------------------

@pytest.mark.parametrize("c, h, w, units, order, dense", [
    (2, 2, 3, 10, "CHW", None), (2, 2, 3, 10, "HWC", None), (1, 1, 1, 1, "CHW", None), (4, 5, 5, 4096, "HWC", None),
    (2, 2, 3, 10, "CHW", (512, 7, 7, 4096)), (3, 4, 2, 7, "HWC", (1024, 7, 7, 1000)),
])
def test_flattening_snippets(c, h, w, units, order, dense, frameworks):
    x = np.arange(c * h * w, dtype=float).reshape(c, h, w) if units != 7 else engine.input_pattern(
        "random integers", c, h, w, 0)
    code = snippets.flattening(x, order, units, dense)
    fc_c, fc_h, fc_w, fc_units = dense or (c, h, w, units)
    cost = engine.dense_cost(fc_c * fc_h * fc_w, fc_units)

    ns = run(code.numpy)
    np.testing.assert_array_equal(ns["x"], x)
    np.testing.assert_array_equal(ns["v"], engine.flatten(x, order))
    np.testing.assert_allclose(ns["y"], ns["W"] @ engine.flatten(x, order) + ns["b"])
    assert stated(PARAMS, code.numpy) == engine.dense_cost(c * h * w, units).params
    assert stated(MULTIPLICATIONS, code.numpy) == engine.dense_cost(c * h * w, units).multiplications

    torch, keras = run(code.pytorch), run(code.keras)
    assert torch_params(torch["model"]) == cost.params == code.params
    assert keras["model"].count_params() == cost.params
    assert keras["model"].output_shape == (None, fc_units)
    assert stated(PARAMS, code.pytorch) == stated(PARAMS, code.keras) == cost.params


# ---- the Network costs page --------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.75, 1.0])
@pytest.mark.parametrize("resolution", [128, 224])
@pytest.mark.parametrize("bias, fc_bias", [(False, True), (True, True), (False, False), (True, False)])
def test_mobilenet_snippets(alpha, resolution, bias, fc_bias, frameworks):
    code = snippets.mobilenet(alpha, resolution, bias, fc_bias)
    total = engine.network_totals(engine.mobilenet_v1(alpha, resolution, bias=bias, fc_bias=fc_bias))
    paper = engine.network_totals(engine.mobilenet_v1(alpha, resolution))  # no conv biases, the classifier's

    ns = run(code.numpy)
    assert (ns["mult_adds"], ns["params"]) == (total.multiplications, total.params)
    assert stated(PARAMS, code.numpy) == total.params

    torch = run(code.pytorch)
    model = torch["model"]
    counted = sum(p.numel() for m in model.modules() if isinstance(m, (Conv2d, Linear)) for p in m.parameters())
    assert counted == total.params == code.params == stated(PARAMS, code.pytorch)
    assert model(zeros(1, 3, resolution, resolution)).shape == (1, 1000)

    keras = run(code.keras)
    assert keras["model"].count_params() - keras["batchnorm"] == paper.params == stated(PARAMS, code.keras)
    if (bias, fc_bias) != (False, True):
        assert f"this page counts {total.params:,}" in code.keras


def test_no_framework_was_imported_for_real():
    for name in ("torch", "keras"):
        module = sys.modules.get(name)
        assert module is None or getattr(module, "__file__", None) is None, f"a real {name} was imported"


# ---- every page shows the code ---------------------------------------------------------------------------

PAGES = ["pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py", "pages/pointwise.py",
         "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py"]


def shown_code(at) -> dict[str, str]:
    """The snippets a page shows, by framework, once its "Show the code" expander is opened (the code
    is written only while it is open)."""
    assert any(e.label.startswith("Show the code") for e in at.expander), [e.label for e in at.expander]
    assert not at.code, "code was written while the expander was closed"
    at.session_state[ui.SHOW_CODE] = True  # as a click on the expander does: it reruns the page
    at.run()
    assert not at.exception, at.exception
    blocks = [c.value for c in at.code]
    found = {"pytorch": [b for b in blocks if "import torch" in b], "keras": [b for b in blocks if "import keras" in b],
             "numpy": [b for b in blocks if b.startswith(("import numpy", "# plain Python"))]}
    assert all(len(v) == 1 for v in found.values()), {k: len(v) for k, v in found.items()}
    assert all(c.language == "python" for c in at.code)
    return {k: v[0] for k, v in found.items()}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_code(page, monkeypatch):
    from test_pages import open_page

    code = shown_code(open_page(page))
    install_fakes(monkeypatch)  # only now: the page itself runs without them
    for text in code.values():  # each states a count, and runs
        stated(PARAMS, text)
        run(text)


@pytest.mark.parametrize("page, query, label", [
    ("pages/convolution.py", None, "Parameters"),
    ("pages/convolution.py", {"c": "3", "n": "4", "kh": "5", "kw": "2", "pad": "same", "stride": "2"}, "Parameters"),
    ("pages/depthwise_separable.py", None, "Separable: parameters"),
    ("pages/depthwise_separable.py", {"preset": "custom", "c": "8", "n": "16", "k": "5", "bias": "true",
                                      "groups": "4"}, "Separable: parameters"),
    ("pages/flattening.py", None, "Weights and biases"),
    ("pages/flattening.py", {"example": "VGG-16: 7×7×512 → 4096 units"}, "Weights and biases"),
    ("pages/depthwise.py", None, "Parameters"),
    ("pages/pointwise.py", None, "Parameters"),
])
def test_the_pytorch_code_states_the_pages_parameter_count(page, query, label):
    from test_pages import open_page

    at = open_page(page, query)
    shown = int(next(m for m in at.metric if m.label == label).value.replace(",", ""))  # the first such metric
    code = shown_code(at)
    assert stated(PARAMS, code["pytorch"]) == shown
    assert stated(PARAMS, code["keras"]) == shown
    if page == "pages/depthwise_separable.py" and query:
        assert "bias=True" in code["pytorch"] and "groups=4" in code["pytorch"]


def test_the_network_page_states_the_engines_count():
    from test_pages import open_page

    at = open_page("pages/network_costs.py", {"alpha": "0.5", "res": "160", "bias": "true"})
    code = shown_code(at)
    total = engine.network_totals(engine.mobilenet_v1(0.5, 160, bias=True))
    assert stated(PARAMS, code["pytorch"]) == total.params
    assert f"{total.multiplications:,} mult-adds" in code["numpy"]
    assert "this page counts" in code["keras"]
