"""Convolution: one kernel (or a few) sliding over an input, every multiplication counted.

Config's defaults are the lecture's example: a 5×5 image and the 3×3 Sobel kernel, 9 positions of 9
multiplications each. build(config) returns what the page shows: the scan, its output size along each
axis (Dumoulin & Visin 2016, relation 15), its cost, and with operation "convolution" the flipped kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
import viz
from engine import ConvConfigError
from viz import question as question_figures
from lessons.common import bmatrix, flip_effect, flip_explanation, padding_text

INTRO = ("A kernel slides over the input; at every position it multiplies the cells under it by its own weights and "
         "adds the products up, giving one output value. Press ▶ Play, or drag the step slider, to watch it happen. "
         "The lecture's example is the default: a 5×5 image and the 3×3 Sobel kernel, 9 positions of 9 "
         "multiplications each.")
KERNEL_HELP = ("A named kernel fills every channel of kernel 1; kernels 2 to 4 are it turned by 90°, 180° and 270°. "
               "Random draws every kernel and channel.")
CODE_CAPTION = ("This configuration as code to copy (the button at a block's top right). The NumPy code computes the "
                "output above; the PyTorch and Keras code defines the same layer, with the same parameter count.")
LOOP_NOTE = "The app computes with a vectorised version; this loop version is what the tests compare it to."
SIZE_INTRO = "Along each axis (Dumoulin & Visin 2016, relation 15), with padding p before and p′ after:"
SIZE_FORMULA = r"o = \left\lfloor \frac{i + p + p' - k - (k-1)(d-1)}{s} \right\rfloor + 1"
PADDINGS = ["0", "1", "2", "3", "valid", "same", "full"]  # the page's choices: zeros per side, or a mode


@dataclass(frozen=True)
class Config:
    """One scan: an input of `channels`×`height`×`width` values drawn as `input_values`, and `kernels`
    kernels of `kernel_height`×`kernel_width` (a preset named `kernel`), slid with `stride`, `padding`
    (zeros per side, or "valid" | "same" | "full") and `dilation`. `operation` "convolution" turns
    every kernel by 180° first."""

    height: int = 5
    width: int = 5
    channels: int = 1
    input_values: str = "random integers"
    kernel_height: int = 3
    kernel_width: int = 3
    kernels: int = 1
    kernel: str = "Sobel x"
    operation: str = "correlation"
    seed: int = 0
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1

    def __post_init__(self):
        # sizes, stride, padding and dilation are checked by the engine, which names what does not fit
        engine.check_operation(self.operation)
        if self.input_values not in engine.INPUT_PATTERNS:
            raise ConvConfigError(f"input values {self.input_values!r} are not a pattern: choose one of "
                                  f"{', '.join(engine.INPUT_PATTERNS)}")
        if self.kernel not in engine.KERNEL_PRESETS:
            raise ConvConfigError(f"kernel {self.kernel!r} is not a preset: choose one of "
                                  f"{', '.join(engine.KERNEL_PRESETS)}")


@dataclass(frozen=True)
class Flip:
    """What the page adds when the kernels are turned by 180° (operation "convolution")."""

    note: str  # markdown: convolution is cross-correlation with the kernel flipped
    kernels: str  # LaTeX: the first kernel as given, and as used
    effect: str  # what the flip does to these kernels' output


@dataclass(frozen=True)
class Lesson:
    config: Config
    image: np.ndarray  # (C, H, W), the input
    weights: np.ndarray  # (N, C, kh, kw), the kernels as given (not flipped)
    trace: engine.ScanTrace
    cost: engine.Cost
    figure: viz.AnimatedFigure
    out_height: int
    out_width: int
    question: str  # predict, then reveal: the output size
    answers: list  # [(label, value)] the question's answers
    explanation: str  # markdown with LaTeX: the formula with this configuration's numbers
    size_heading: str
    size_formulas: list  # LaTeX: the formula, then rows and columns with the numbers filled in
    padding_note: str | None  # where a named padding puts its zeros
    counts: dict  # metric label -> value as written
    cost_text: str  # markdown: each count's formula with the numbers filled in
    flip: Flip | None
    question_figure: go.Figure  # what the question gives (the input, its padding, the kernels), no output

    def code(self) -> codegen.Snippets:
        """This configuration in NumPy, PyTorch and Keras."""
        config = self.config
        return codegen.standard(self.image, self.weights, config.stride, config.padding, config.dilation,
                                config.operation)


def axis_size_latex(axis: str, size: int, kernel: int, before: int, after: int, stride: int, dilation: int,
                    out: int) -> str:
    """The output-size formula along one axis, with this configuration's numbers filled in."""
    return (rf"\text{{{axis}: }} o = \left\lfloor \frac{{{size} + {before} + {after} - {kernel} - {kernel - 1}\cdot"
            rf"{dilation - 1}}}{{{stride}}}\right\rfloor + 1 = {out}")


def padding_note(padding: int | str, pads) -> str | None:
    """Where a named padding ("same", "full", "valid") puts its zeros; None for a number."""
    if not isinstance(padding, str):
        return None
    (top, bottom), (left, right) = pads
    where = (f"{top} row{'s' if top != 1 else ''} above, {bottom} below, "
             f"{left} column{'s' if left != 1 else ''} on the left, {right} on the right")
    uneven = " An even kernel has no centre, so one side gets one more zero (as in PyTorch)." \
        if (top != bottom or left != right) else ""
    return f'Padding "{padding}" adds {where}.{uneven}'


def flip(weights: np.ndarray) -> Flip:
    """The flip explained, with the first kernel's first channel as given and as used."""
    which = " (kernel 1, channel 1)" if weights.shape[:2] != (1, 1) else ""
    kernels = (rf"\underset{{\text{{as given{which}}}}}{{{bmatrix(weights[0, 0])}}}"
               rf"\;\xrightarrow{{\text{{turned }}180^\circ}}\;"
               rf"\underset{{\text{{as used}}}}{{{bmatrix(engine.flip_kernel(weights[0, 0]))}}}")
    return Flip(flip_explanation(), kernels, flip_effect(weights))


def cost_text(config: Config, cost: engine.Cost, positions: int) -> str:
    """Each count as its formula, with the numbers filled in (markdown)."""
    products = config.channels * config.kernel_height * config.kernel_width
    sizes = f"{config.channels} × {config.kernel_height} × {config.kernel_width}"
    return (
        f"**Multiplications** = kernels × positions × (channels × kernel height × kernel width) = "
        f"{config.kernels} × {positions} × ({sizes}) = **{viz.count(cost.multiplications)}**  \n"
        f"**Additions** = kernels × positions × (products − 1) = "
        f"{config.kernels} × {positions} × {products - 1} = "
        f"**{viz.count(cost.additions)}**  \n"
        f"**Parameters** = kernels × channels × kernel height × kernel width = "
        f"{config.kernels} × {sizes} = **{viz.count(cost.params)}** (no bias)"
    )


def question_figure(config: Config, image: np.ndarray, weights: np.ndarray, pads) -> go.Figure:
    """The input (channel 1 in front of the others, its zero padding around it) and the kernels (kernel 1's
    channel 1 in front): what the question about the output size gives, without the output."""
    channels, kernels = config.channels, config.kernels
    kernels_name = f"{kernels} kernels" if kernels > 1 else "kernel"
    kernel_size = f"{config.kernel_height}×{config.kernel_width}×{channels}{' each' if kernels > 1 else ''}"
    turned = "<br>turned 180° when used" if config.operation == "convolution" else ""
    Block = question_figures.Block
    blocks = [Block(f"<b>input</b><br>{config.height}×{config.width}×{channels}", image.shape[1:], image[0], pads,
                    tuple(range(channels)), name="input"),
              Block(f"<b>{kernels_name}</b><br>{kernel_size}{turned}", weights.shape[2:], weights[0, 0],
                    channels=tuple(range(channels)), name="kernel")]
    return question_figures.question_figure(blocks, f"stride {config.stride} · {padding_text(config.padding)} · "
                                                    f"dilation {config.dilation}")


def build(config: Config = Config(), frame_ms: int = 800) -> Lesson:
    """The lesson for one configuration; frame_ms is how long Play shows each step.
    Raises ConvConfigError (saying what to change) for a kernel that does not fit."""
    shape = (config.channels, config.height, config.width)
    kernel_size = (config.kernel_height, config.kernel_width)
    placement = engine.plan(shape[1:], kernel_size, config.stride, config.padding, config.dilation)
    image = engine.input_pattern(config.input_values, *shape, config.seed)
    weights = engine.kernel_bank(config.kernel, config.kernels, config.channels, *kernel_size, config.seed)
    # convolution scans with every kernel turned by 180°, so each product shown is one computed
    trace = engine.scan_trace(image, engine.kernel_as_used(weights, config.operation), config.stride,
                              config.padding, config.dilation)
    cost = engine.standard_cost(shape, kernel_size, config.kernels, config.stride, config.padding, config.dilation)
    (top, bottom), (left, right) = placement.pads
    out_height, out_width = placement.out
    size_formulas = [SIZE_FORMULA,
                     axis_size_latex("rows", config.height, config.kernel_height, top, bottom, config.stride,
                                     config.dilation, out_height),
                     axis_size_latex("columns", config.width, config.kernel_width, left, right, config.stride,
                                     config.dilation, out_width)]
    maps = f"Each of the {config.kernels} kernels" if config.kernels > 1 else "The kernel"
    return Lesson(
        config=config, image=image, weights=weights, trace=trace, cost=cost,
        figure=viz.scan_figure(trace, frame_ms=frame_ms, flipped=config.operation == "convolution"),
        out_height=out_height, out_width=out_width,
        question=(f"A {config.height}×{config.width} input, a {config.kernel_height}×{config.kernel_width} kernel, "
                  f"stride {config.stride}, {padding_text(config.padding)}, dilation {config.dilation}: how large "
                  "will each output map be?"),
        answers=[("Output height", out_height), ("Output width", out_width)],
        explanation=(f"{SIZE_INTRO}\n\n" + "\n\n".join(f"$$\n{formula}\n$$" for formula in size_formulas)
                     + f"\n\n{maps} makes one {out_height}×{out_width} map: the output is "
                       f"{out_height}×{out_width}×{config.kernels}."),
        size_heading=f"Output size: {out_height}×{out_width}×{config.kernels}",
        size_formulas=size_formulas,
        padding_note=padding_note(config.padding, placement.pads),
        counts={"Multiplications": viz.count(cost.multiplications), "Additions": viz.count(cost.additions),
                "Parameters": viz.count(cost.params)},
        cost_text=cost_text(config, cost, out_height * out_width),
        flip=flip(weights) if config.operation == "convolution" else None,
        question_figure=question_figure(config, image, weights, placement.pads),
    )
