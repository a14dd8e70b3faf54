"""Depthwise convolution: one kernel per input channel, each channel filtered on its own, and the maps
stacked into the output volume. The lecture's example: a 6×6 input with 16 channels and 3×3 kernels
gives 16 maps of 4×4, an output of 4×4×16. No Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
from engine import ConvConfigError
from viz import count
from viz import depthwise as viz_depthwise
from viz import question as question_figures
from viz import volume3d
from viz.animated import AnimatedFigure

from .common import padding_text, plural

INTRO = (
    "The first stage of a depthwise separable layer. Take one kernel per input channel, each of depth 1; "
    "slide every kernel over its own channel only, giving one feature map per channel; then stack the maps "
    "into the output volume. The lecture's example: a 6×6 input with 16 channels and 3×3 kernels gives "
    "16 maps of 4×4, an output of 4×4×16."
)

LECTURE = "lecture: 6×6 input, 16 channels, 3×3 kernels"
CUSTOM = "custom (use the sliders)"
# example name -> the sizes it fixes (None: the sizes are the student's)
EXAMPLES = {LECTURE: dict(height=6, width=6, channels=16, kernel_size=3), CUSTOM: None}
EXAMPLE_HELP = "The lecture's example, or your own sizes from the sliders below."
LECTURE_NOTE = ("Showing the lecture's example: the greyed sliders show its sizes (6×6 input, 16 channels, "
                "3×3 kernels); they apply when the example is set to custom.")
PADDINGS = ["0", "1", "2", "same"]
KERNEL_HELP = "Random gives every channel its own kernel; a named kernel is used in every channel."
MULTIPLIER_HELP = "Kernels per input channel (Keras' depth_multiplier)."

CHANNELS_APART = ("A depthwise kernel never looks across channels: channel 2's map knows nothing of channel 1. "
                  "Mixing channels is the pointwise stage's job.")
COLOURS_NOTE = ("Each channel keeps its colour: its input, its kernel and its map are outlined and titled in it "
                "(channels 9 to 16 dashed), here and in 3-D below; the cells' own colours are their values "
                "(blue negative, red positive).")
VOLUMES_TEXT = ("Press Play (or drag the slider) to watch it in 3-D: each sheet is one channel, channel 1 in front. "
                "Every kernel, a slice of depth 1 outlined in its channel's colour, slides over its own channel "
                "only, and the output volume fills in one position at a time, through all its maps at once (grey: "
                "not computed yet). Drag to turn the volumes.")


@dataclass(frozen=True)
class Config:
    """A depthwise convolution: an input of `height`×`width`×`channels`, `multiplier` kernels of
    `kernel_size`×`kernel_size`×1 per channel. Defaults: the lecture's example. An impossible
    configuration (a kernel larger than the padded input, an unknown padding) raises ConvConfigError
    with the engine's message, which names the parameter and the fix."""

    height: int = 6
    width: int = 6
    channels: int = 16
    kernel_size: int = 3
    multiplier: int = 1
    pattern: str = "random integers"  # one of engine.INPUT_PATTERNS
    kernel: str = "random"  # one of engine.KERNEL_PRESETS
    seed: int = 0
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1

    def __post_init__(self):
        self.cost()  # the engine checks the sizes, stride, padding and dilation together

    @classmethod
    def for_example(cls, example: str, **settings) -> Config:
        """The configuration an example of EXAMPLES shows: the lecture's keeps its sizes whatever
        `settings` say; custom takes them from `settings`."""
        if example not in EXAMPLES:
            raise ConvConfigError(f"unknown example {example!r}: choose one of {', '.join(EXAMPLES)}")
        return cls(**{**settings, **(EXAMPLES[example] or {})})

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """(channels, height, width), as the engine takes it."""
        return self.channels, self.height, self.width

    def cost(self) -> engine.Cost:
        return engine.depthwise_cost(self.in_shape, self.kernel_size, self.multiplier, self.stride, self.padding,
                                     self.dilation)


CUSTOM_START = Config(height=5, width=5, channels=3)  # where the size sliders stand for a custom example


@dataclass(frozen=True, eq=False)
class Lesson:
    """What the Depthwise page shows for one configuration."""

    config: Config
    inputs: np.ndarray  # (C, H, W)
    kernels: np.ndarray  # (C·m, k, k), kernel j on channel j // m
    trace: engine.DepthwiseTrace
    cost: engine.Cost
    output_height: int
    output_width: int
    maps: int  # C·m, one per kernel
    per_kernel: int  # multiplications of one kernel over its channel
    question: str
    answers: list  # (label, value) for ui.predict
    explanation: str
    scan_title: str
    scan: AnimatedFigure
    metrics: dict[str, str]
    cost_text: str
    volumes_title: str
    volumes: AnimatedFigure  # the scan in 3-D: the input volume's windows, the output volume filling in
    code_caption: str
    question_figure: go.Figure  # the input volume and the kernels, no output and no count

    def code(self):
        """This configuration in NumPy, PyTorch and Keras (codegen.Snippets), written when asked for."""
        config = self.config
        return codegen.depthwise(self.inputs, self.kernels, config.stride, config.padding, config.dilation)


def question_figure(config: Config, inputs: np.ndarray, kernels: np.ndarray, pads) -> go.Figure:
    """The input volume (channel 1 in front, its zero padding around it, the other channels behind) and the
    stack of kernels (kernel 1 in front, each outlined in its channel's colour): what the question about the
    multiplications gives, without the output or a count."""
    channels, size, multiplier = config.channels, config.kernel_size, config.multiplier
    # the kernels as the question counts them, per channel: their total is a product the student works out
    kernels_title = (f"<b>{plural(channels, 'kernel')}</b><br>{size}×{size}×1, one per channel" if multiplier == 1
                     else f"<b>kernels</b><br>{size}×{size}×1, {multiplier} per channel")
    Block = question_figures.Block
    return question_figures.question_figure([
        Block(f"<b>input</b><br>{config.height}×{config.width}×{channels}", inputs.shape[1:], inputs[0], pads,
              tuple(range(channels)), name="input channel 1"),
        Block(kernels_title, kernels.shape[1:], kernels[0],
              channels=tuple(j // multiplier for j in range(len(kernels))), name="kernel 1"),
    ], f"stride {config.stride} · {padding_text(config.padding)} · dilation {config.dilation}")


def build(config: Config, frame_ms: int = 800) -> Lesson:
    """The lesson for `config`, its scan animated at `frame_ms` a step."""
    size, multiplier, channels = config.kernel_size, config.multiplier, config.channels
    inputs = engine.input_pattern(config.pattern, channels, config.height, config.width, config.seed)
    kernels = engine.kernel_bank(config.kernel, channels * multiplier, 1, size, size, config.seed)[:, 0]
    trace = engine.depthwise_trace(inputs, kernels, config.stride, config.padding, config.dilation)
    cost = config.cost()
    maps, out_h, out_w = cost.out_shape
    moves, area = out_h * out_w, size * size
    per_kernel = moves * area
    channels_text = plural(channels, "channel")
    kernels_text = (f"one {size}×{size} kernel per channel" if multiplier == 1 else
                    f"{multiplier} kernels of {size}×{size} per channel (depth multiplier {multiplier})")
    total = f"{size} × {size} × 1 × {out_h} × {out_w} × {maps} = **{count(cost.multiplications)}**"
    scan = viz_depthwise.depthwise_scan_figure(trace, frame_ms=frame_ms)
    moves_text = f"Each kernel moves {out_h} × {out_w} = {moves} times"
    multiplies_text = f"multiplies {size} × {size} × 1 = {area} numbers each time"
    return Lesson(
        config=config, inputs=inputs, kernels=kernels, trace=trace, cost=cost, output_height=out_h,
        output_width=out_w, maps=maps, per_kernel=per_kernel,
        question=(f"A {config.height}×{config.width} input with {channels_text}, {kernels_text}, stride "
                  f"{config.stride}, {padding_text(config.padding)}, dilation {config.dilation}: how many "
                  "multiplications does the depthwise stage take?"),
        answers=[("Multiplications", cost.multiplications)],
        explanation=(f"{moves_text} (its output map is {out_h}×{out_w}) and {multiplies_text}: {count(per_kernel)} "
                     f"multiplications. There are {channels_text} × {plural(multiplier, 'kernel')} per channel = "
                     f"{plural(maps, 'kernel')}: k × k × 1 × Hₒ × Wₒ × kernels = {total}."),
        scan_title=f"Step 1: every channel filtered by its own kernel ({maps} maps of {out_h}×{out_w})",
        scan=scan,
        metrics={"Multiplications per kernel": count(per_kernel), "All kernels": count(cost.multiplications),
                 "Parameters": count(cost.params), "Output": f"{out_h}×{out_w}×{maps}"},
        cost_text=(f"{moves_text} and {multiplies_text}: **{count(per_kernel)}** multiplications. There are "
                   f"{channels_text} × "
                   f"{plural(multiplier, 'kernel')} = {maps} kernels: {total}. Parameters: {maps} kernels × {size} × "
                   f"{size} = **{count(cost.params)}** (no bias)."),
        volumes_title=f"Step 2: stack the {maps} maps into the output volume {out_h}×{out_w}×{maps}",
        volumes=volume3d.volume_scan_figure(trace, frame_ms=frame_ms),
        code_caption=(f"This configuration as code to copy (the button at a block's top right). The NumPy code "
                      f"computes the maps above; the PyTorch and Keras code defines the same layer (in PyTorch, a "
                      f"convolution with groups={channels}), with the same parameter count. PyTorch holds this "
                      f"{config.height}×{config.width}×{channels} input as {channels}×{config.height}×{config.width} "
                      "(C×H×W)."),
        question_figure=question_figure(config, inputs, kernels, trace.pads),
    )
