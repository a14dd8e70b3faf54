"""Flattening: a volume of H×W×C values becomes one vector of H·W·C entries for the fully connected layer.

"CHW" order is PyTorch's nn.Flatten on NCHW (width fastest), "HWC" is Keras' Flatten on channels-last
(channels fastest). Positions are counted from 1, as on every page (entry 1 is the vector's first; channel,
row and column 1 the volume's first); the engine and the code count from 0, and the page says so.
build(config) follows one entry of the vector back to its cell, shows why the order matters to a dense
layer's weights, counts the dense layer against global average pooling, and checks that
flatten + dense is a convolution whose kernel covers the whole input.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
import viz
from engine import ConvConfigError
from viz import flatten as viz_flatten
from viz import question as question_figures

INTRO = ("Flattening converts the data into a 1-dimensional array for the next layer: the output of the convolutional "
         "layers becomes one long feature vector, connected to the final classification model, the fully-connected "
         "layer. Press ▶ Play to watch every cell travel to its place.")
COUNTING = "counting 1, 2, 3, …"  # in CHW order, entry i holds i
VALUES = (COUNTING, *engine.INPUT_PATTERNS)
ORDERS = {"CHW (PyTorch nn.Flatten)": "CHW", "HWC (Keras Flatten)": "HWC"}  # label -> engine order
ORDER_HELP = "CHW: channel by channel, width fastest (PyTorch). HWC: pixel by pixel, channels fastest (Keras)."
UNITS_HELP = "Neurons of the fully connected layer after the flatten."
PLAY_SPEEDS = {"slow": 700, "normal": 350, "fast": 150}  # ms a cell's move shows
FASTEST = {"CHW": "the width runs fastest, then the height, then the channel",
           "HWC": "the channels run fastest, then the width, then the height"}
EQUIVALENT_UNITS = 4  # at most this many units in the flatten + dense = convolution check


@dataclass(frozen=True)
class DenseExample:
    """A network's last volume (channels, height, width: written H×W×C) and the dense layer after it."""

    channels: int
    height: int
    width: int
    units: int
    network: str  # the convolutions before it, in words
    layers: Callable[[], list]  # the network's layers, from the engine


VOLUME_ABOVE = "the volume above"
DENSE_EXAMPLES = {
    VOLUME_ABOVE: None,
    "VGG-16: 7×7×512 → 4096 units": DenseExample(512, 7, 7, 4096, "VGG-16's 13 convolutions",
                                                 engine.vgg16_features),
    "MobileNet v1: 7×7×1024 → 1000 classes": DenseExample(1024, 7, 7, 1000, "MobileNet v1's 27 convolutions",
                                                          engine.mobilenet_v1),
}


def order_label(order: str) -> str:
    """The order as the page's choice names it: "CHW" -> "CHW (PyTorch nn.Flatten)"."""
    return next(label for label, value in ORDERS.items() if value == order)


def last_entry(channels: int, height: int, width: int) -> int:
    """The last entry of the flattened vector, counting from 1: its length."""
    return channels * height * width


@dataclass(frozen=True)
class Config:
    """A `height`×`width`×`channels` volume of `values`, flattened in `order` ("CHW" or "HWC"), followed
    by one `entry` of the vector (counting from 1), then a dense layer of `units` (or one of DENSE_EXAMPLES'
    networks)."""

    channels: int = 2
    height: int = 2
    width: int = 3
    values: str = COUNTING
    seed: int = 0
    order: str = "CHW"
    units: int = 10
    example: str = VOLUME_ABOVE
    entry: int = 4

    def __post_init__(self):
        for name in ("channels", "height", "width", "units"):
            if getattr(self, name) < 1:
                raise ConvConfigError(f"{name} must be at least 1, got {getattr(self, name)}: make it larger")
        if self.values not in VALUES:
            raise ConvConfigError(f"values {self.values!r} are not a pattern: choose one of {', '.join(VALUES)}")
        if self.order not in engine.FLATTEN_ORDERS:
            raise ConvConfigError(f"order must be one of {', '.join(engine.FLATTEN_ORDERS)}, got {self.order!r}")
        if self.example not in DENSE_EXAMPLES:
            raise ConvConfigError(f"example {self.example!r} is not one of {', '.join(DENSE_EXAMPLES)}")
        last = last_entry(self.channels, self.height, self.width)
        if not 1 <= self.entry <= last:
            raise ConvConfigError(f"entry {self.entry} is outside the vector: pick one from 1 to {last}")

    @property
    def other_order(self) -> str:
        return "HWC" if self.order == "CHW" else "CHW"


@dataclass(frozen=True)
class DenseSide:
    """One way into the dense layer, as one column of the page."""

    heading: str  # markdown
    params: str  # weights and biases, as written
    share: str | None  # against flatten + dense
    text: str  # markdown


@dataclass(frozen=True)
class Lesson:
    config: Config
    volume: np.ndarray  # (C, H, W)
    vector: np.ndarray  # (C·H·W,), in config.order
    figure: viz.AnimatedFigure
    channel: int  # the cell entry config.entry came from, counting from 1
    row: int
    column: int
    question: str  # predict, then reveal: where the entry came from
    answers: list  # [(label, value)]
    explanation: str  # markdown with LaTeX
    entry_text: str  # markdown
    mapping: str  # LaTeX: the index formula with the numbers filled in
    other_order: str  # where the same cell lands in the other order
    order_matters: str  # markdown: the same weights on the other order's vector
    dense: list  # [DenseSide]: flatten then dense, global average pooling then dense
    dense_shape: tuple  # (channels, height, width, units) of the dense layer counted
    comparison: str | None  # the example network's convolutions against its dense layer
    equivalence: str  # markdown: flatten + dense = a convolution with an input-sized kernel
    code_caption: str  # what the code view shows
    question_figure: go.Figure  # the volume's channels, rows and columns, numbered; no values, no vector

    def code(self) -> codegen.Snippets:
        """This flatten and dense layer in NumPy, PyTorch and Keras."""
        return codegen.flattening(self.volume, self.config.order, self.config.units, self.dense_shape)


def volume(config: Config) -> np.ndarray:
    """The (C, H, W) volume: 1, 2, 3, … in CHW order, or one of the engine's input patterns."""
    shape = (config.channels, config.height, config.width)
    if config.values == COUNTING:
        return np.arange(1, np.prod(shape) + 1, dtype=float).reshape(shape)
    return engine.input_pattern(config.values, *shape, config.seed)


def undo_text(entry: int, cell, shape, order: str) -> str:
    """Going back from entry i to its cell, step by step; everything counted from 1."""
    channel, row, column = cell
    channels, height, width = shape
    if order == "CHW":
        rest = entry - 1 - (channel - 1) * height * width
        return (f"channel c = ⌊(i − 1) / (H·W)⌋ + 1 = ⌊{entry - 1} / {height * width}⌋ + 1 = {channel}; what is "
                f"left, {entry - 1} − {channel - 1}·{height * width} = {rest}, is (h − 1)·W + (w − 1): "
                f"row h = ⌊{rest} / {width}⌋ + 1 = {row}, column w = {rest} − {row - 1}·{width} + 1 = {column}")
    pixel = (entry - 1) // channels
    return (f"channel c = ((i − 1) mod C) + 1 = ({entry - 1} mod {channels}) + 1 = {channel}; the pixels before "
            f"it number ⌊(i − 1) / C⌋ = {pixel} = (h − 1)·W + (w − 1): row h = ⌊{pixel} / {width}⌋ + 1 = {row}, "
            f"column w = ({pixel} mod {width}) + 1 = {column}")


def order_matters(config: Config, values: np.ndarray) -> str:
    """The same dense weights on both orders' vectors give different outputs (markdown)."""
    weights = np.random.default_rng(config.seed).integers(-2, 3, size=values.size).astype(float)
    in_order = float(weights @ engine.flatten(values, config.order))
    wrong = float(weights @ engine.flatten(values, config.other_order))
    return (f"A dense layer's weights are trained for one order. The same weights applied to the {config.other_order} "
            f"vector give **{viz.number(wrong)}** instead of **{viz.number(in_order)}** for this volume. Loading "
            "weights trained in Keras (HWC) into PyTorch (CHW), or back, needs the columns permuted by the mapping "
            "above.")


def dense_sides(channels: int, height: int, width: int, units: int) -> list:
    """Flatten then dense, against global average pooling then dense."""
    inputs = channels * height * width
    dense = engine.dense_cost(inputs, units)
    pooled = engine.dense_cost(channels, units)
    volume_text = f"{height}×{width}×{channels}"
    return [
        DenseSide(f"**Flatten, then dense:** {volume_text} → vector of {viz.count(inputs)} → "
                  f"{viz.count(units)} units",
                  viz.count(dense.params), None,
                  f"Weight matrix {viz.count(units)} × {viz.count(inputs)} = {viz.count(inputs * units)} "
                  f"weights, plus {viz.count(units)} biases; {viz.count(dense.multiplications)} multiplications "
                  "per image."),
        DenseSide(f"**Global average pooling, then dense:** {volume_text} → {viz.count(channels)} averages → "
                  f"{viz.count(units)} units",
                  viz.count(pooled.params), f"{pooled.params / dense.params:.1%} of flatten + dense",
                  f"Averaging each channel first leaves {viz.count(channels)} inputs: {viz.count(units)} × "
                  f"{viz.count(channels)} = {viz.count(channels * units)} weights. This is why modern networks, "
                  "MobileNet among them, pool before the dense layer."),
    ]


def comparison(example: DenseExample | None) -> str | None:
    """The example network's convolution parameters against its flatten + dense layer."""
    if example is None:
        return None
    conv_params = sum(layer.cost.params for layer in example.layers() if layer.kind.endswith(("3×3", "1×1")))
    dense = engine.dense_cost(example.channels * example.height * example.width, example.units)
    return (f"For comparison, all of {example.network} before it hold {viz.count(conv_params)} parameters: the "
            f"flatten + dense layer alone has {dense.params / conv_params:.1f} times as many.")


def equivalence(config: Config, values: np.ndarray) -> str:
    """Flatten + dense computed both ways, as a dense layer and as a convolution (markdown)."""
    units = min(config.units, EQUIVALENT_UNITS)
    weights = np.random.default_rng(config.seed + 1).integers(-2, 3, size=(units, values.size)).astype(float)
    dense_out = weights @ engine.flatten(values, "CHW")
    conv_out = engine.conv2d(values, weights.reshape(units, *values.shape))[:, 0, 0]
    conv_cost = engine.standard_cost(values.shape, values.shape[1:], units)
    which = (f"each of the {units} units'" if units == config.units else
             f"the first {units} of the {viz.count(config.units)} units' (the others alike)")
    return (
        f"Reshape {which} {values.size} weights into a "
        f"{config.height}×{config.width}×{config.channels} kernel: a convolution with no padding fits exactly once, "
        f"giving a 1×1×{units} output. Dense: "
        f"{', '.join(viz.number(v) for v in dense_out)}; convolution: {', '.join(viz.number(v) for v in conv_out)} "
        f"(largest difference {float(np.abs(dense_out - conv_out).max()):.3g}). Both take "
        f"{viz.count(engine.dense_cost(values.size, units, bias=False).multiplications)} = "
        f"{viz.count(conv_cost.multiplications)} multiplications."
    )


@functools.lru_cache(maxsize=16)  # the animation depends on these only, not on the dense layer after it
def animation(values_bytes: bytes, shape: tuple[int, int, int], order: str, entry: int, frame_ms: int):
    values = np.frombuffer(values_bytes).reshape(shape)
    return viz_flatten.flatten_figure(values, order, selected=entry, frame_ms=frame_ms)


def question_figure(config: Config) -> go.Figure:
    """The volume's channels side by side, their rows and columns numbered from 1, the cells blank: what the
    question gives. No values (counting 1, 2, 3, … in CHW order would give the entry away) and no vector."""
    Block = question_figures.Block
    return question_figures.question_figure(
        [Block(f"<b>channel {c + 1}</b>", (config.height, config.width), channels=(c,), numbered=True,
               name=f"channel {c + 1}") for c in range(config.channels)],
        f"A {config.height}×{config.width}×{config.channels} volume (H×W×C), flattened in {config.order} order: "
        f"entry {config.entry}")


def build(config: Config = Config(), frame_ms: int = PLAY_SPEEDS["normal"]) -> Lesson:
    """The lesson for one configuration; frame_ms is how long Play shows each cell's move."""
    values = volume(config)
    order, entry = config.order, config.entry
    index = entry - 1  # the engine counts from 0
    cell = engine.source_of(index, values.shape, order)
    channel, row, column = (p + 1 for p in cell)
    mapping = viz_flatten.mapping_text(*cell, values.shape, order).replace("·", r"\cdot ").replace("−", "-")
    other = config.other_order
    example = DENSE_EXAMPLES[config.example]
    dense_shape = ((example.channels, example.height, example.width, example.units) if example else
                   (config.channels, config.height, config.width, config.units))
    vector = engine.flatten(values, order)
    return Lesson(
        config=config, volume=values, vector=vector,
        figure=animation(values.astype(float).tobytes(), values.shape, order, index, frame_ms),
        channel=channel, row=row, column=column,
        question=(f"This {config.height}×{config.width}×{config.channels} volume (height × width × channels) is "
                  f"flattened in {order} order. Entry **{entry}** of the vector: which channel, row and column of "
                  "the volume did it come from (counting from 1)?"),
        answers=[("Channel", channel), ("Row", row), ("Column", column)],
        explanation=(f"In {order} order {FASTEST[order]}, so cell (c, h, w) lands at\n\n$$\n{mapping}\n$$\n\n"
                     f"Going back from i = {entry}: {undo_text(entry, (channel, row, column), values.shape, order)}."),
        entry_text=(f"Entry **{entry}** of the vector ({viz.number(vector[index])}) came from channel **{channel}**, "
                    f"row **{row}**, column **{column}** of the volume (counting from 1, as the lecture does; "
                    f"in the code below, which counts from 0 as NumPy, PyTorch and Keras do, it is index {index})."),
        mapping=mapping,
        other_order=(f"In {other} order the same cell lands at entry "
                     f"{engine.flat_index(*cell, values.shape, other) + 1}: "
                     f"{viz_flatten.mapping_text(*cell, values.shape, other)}."),
        order_matters=order_matters(config, values),
        dense=dense_sides(*dense_shape),
        dense_shape=dense_shape,
        comparison=comparison(example),
        equivalence=equivalence(config, values),
        code_caption=(f"As code to copy (the button at a block's top right). The NumPy code flattens the volume "
                      f"above in {order} order and applies a dense layer of {config.units} "
                      f"unit{'s' if config.units > 1 else ''}; the PyTorch and Keras code defines the flatten and "
                      "the dense layer counted above. Code counts from 0: entry i of the page is index i − 1 there, and "
                      "PyTorch holds the volume as C×H×W."),
        question_figure=question_figure(config),
    )
