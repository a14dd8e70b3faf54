"""Pointwise convolution: N kernels of 1×1×C, each applied at every pixel on its own, mixing that pixel's
channels; all of it one matrix product. The lecture's two pointwise stages, 5×5×3 into 128 channels and
8×8×3 into 256, are counted by the same engine function. No Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
from viz import count, number, scan_figure
from viz import pointwise as viz_pointwise
from viz.animated import AnimatedFigure

from .common import plural

INTRO = (
    "A pointwise convolution is applied to every single point separately: its kernel is 1×1, so at each "
    "pixel it sees nothing but that pixel's C channel values, multiplies each by its own weight and adds "
    "them up. As the lecture puts it: *take a 1×1 conv with number of filters equal to number of channels "
    "you want as output.* Each kernel is 1×1×C and makes one output map; N kernels turn H×W×C into H×W×N."
)
CHANNELS_HELP = "C: the depth of every 1×1×C kernel."
KERNELS_HELP = "N: the number of channels you want as output, one map per kernel."
SEED_HELP = "Draws the kernels' weights (whole numbers from −2 to 2) and random input values."

COUNTING = (
    "Counting convention: every multiply the kernel performs, as the lecture, the MobileNet paper and tools "
    "such as fvcore count mult-adds; a 1×1 kernel needs no padding, so no padded zeros are multiplied here and "
    "the output keeps the input's height and width. The products of one output value are added with one "
    "fewer addition than there are products."
)
# the lecture's two pointwise stages: a depthwise output H×W×C turned into N channels
LECTURE_STAGES = (dict(height=5, width=5, channels=3, kernels=128), dict(height=8, width=8, channels=3, kernels=256))
FIT_TITLE = "Where it fits: the second half of a depthwise separable layer"
FIT_TEXT = (
    "A depthwise convolution filters every channel on its own and never looks across channels: channel 2's map "
    "knows nothing of channel 1. A pointwise convolution does the opposite: it looks at one pixel only, but "
    "mixes all of that pixel's channels. Run after the depthwise stage, it combines the filtered channels "
    "into as many output channels as wanted, and the two together do the work of a standard convolution "
    "for a fraction of its multiplications."
)
CODE_CAPTION = ("This configuration as code to copy (the button at a block's top right). The NumPy code computes "
                "the output above; the PyTorch and Keras code defines the same 1×1 layer, with the same parameter "
                "count.")
LOOP = ("The app's loop", "The app computes it as one matrix product; this loop version is what the tests compare "
                          "it to.", engine.pointwise_conv2d_loop)  # (tab name, note, function) for ui.show_code


@dataclass(frozen=True)
class Config:
    """`kernels` pointwise kernels of 1×1×`channels` over a `height`×`width`×`channels` input; their
    weights are whole numbers from −2 to 2 drawn with `seed`. A size below 1 raises ConvConfigError
    with the engine's message."""

    height: int = 5
    width: int = 5
    channels: int = 3
    kernels: int = 2
    pattern: str = "random integers"  # one of engine.INPUT_PATTERNS
    seed: int = 0

    def __post_init__(self):
        self.cost()  # the engine checks every size is at least 1

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """(channels, height, width), as the engine takes it."""
        return self.channels, self.height, self.width

    def cost(self) -> engine.Cost:
        return engine.pointwise_cost(self.in_shape, self.kernels)


@dataclass(frozen=True, eq=False)
class Lesson:
    """What the Pointwise page shows for one configuration."""

    config: Config
    inputs: np.ndarray  # (C, H, W)
    weights: np.ndarray  # (N, C): kernel n's weight for channel c
    output: np.ndarray  # (N, H, W)
    cost: engine.Cost
    question: str
    answers: list  # (label, value) for ui.predict
    explanation: str
    scan_title: str
    scan_text: str
    scan: AnimatedFigure
    product_title: str
    product_text: str
    product: go.Figure
    difference: float  # largest difference between the matrix product and engine.pointwise_conv2d
    agrees: bool
    check_text: str
    metrics: dict[str, str]
    cost_text: str
    lecture_table: str

    def code(self):
        """This configuration in NumPy, PyTorch and Keras (codegen.Snippets), written when asked for."""
        return codegen.pointwise(self.inputs, self.weights)


def draw_weights(channels: int, kernels: int, seed: int) -> np.ndarray:
    """N pointwise kernels of C weights each, (N, C): small whole numbers, so the products can be read."""
    return engine.kernel_bank("random", kernels, channels, 1, 1, seed)[:, :, 0, 0]


def lecture_table() -> str:
    """The lecture's two pointwise stages as a markdown table, counted by engine.pointwise_cost."""
    rows = []
    for stage in LECTURE_STAGES:
        stage = Config(**stage)
        factors = f"1 × 1 × {stage.channels} × {stage.height} × {stage.width} × {stage.kernels}"
        rows.append(f"| {stage.height}×{stage.width}×{stage.channels} | {stage.kernels} | {factors} | "
                    f"{count(stage.cost().multiplications)} |")
    return ("The lecture's two pointwise stages, counted by the same engine function:\n\n"
            "| input (depthwise output) | kernels | multiplications | total |\n| --- | --- | --- | --- |\n"
            + "\n".join(rows))


def build(config: Config, frame_ms: int = 800) -> Lesson:
    """The lesson for `config`, its scan animated at `frame_ms` a step."""
    height, width, channels, kernels = config.height, config.width, config.channels, config.kernels
    inputs = engine.input_pattern(config.pattern, channels, height, width, config.seed)
    weights = draw_weights(channels, kernels, config.seed)
    output = engine.pointwise_conv2d(inputs, weights)
    cost = config.cost()
    pixels = height * width
    matrix_product = viz_pointwise.pixel_rows(inputs) @ viz_pointwise.weight_columns(weights)
    difference = float(np.abs(matrix_product - output.reshape(kernels, -1).T).max())
    agrees = difference < 1e-9
    kernels_text, channels_text = plural(kernels, "kernel"), plural(channels, "channel")
    mults, adds, params = (count(value) for value in (cost.multiplications, cost.additions, cost.params))
    per_move = (f"each of the {kernels_text} moves {height} × {width} = {pixels} times and multiplies "
                f"1 × 1 × {channels} = {plural(channels, 'number')} each time")
    multiplications = f"**Multiplications** = N × H × W × C = {kernels} × {height} × {width} × {channels} = **{mults}**"
    several = channels > 1
    return Lesson(
        config=config, inputs=inputs, weights=weights, output=output, cost=cost,
        question=(f"A {height}×{width} input with {channels_text} and {plural(kernels, 'pointwise kernel')} of "
                  f"1×1×{channels} (stride 1, no padding): how many multiplications does the pointwise convolution "
                  "take?"),
        answers=[("Multiplications", cost.multiplications)],
        explanation=f"{multiplications}: {per_move}.",
        scan_title=(f"Step by step: {kernels_text} of 1×1×{channels}, at every one of the {height}×{width} "
                    "pixels"),
        scan_text=(f"At each position the kernel covers one pixel, through {'all ' if several else 'its '}"
                   f"{channels_text}: the pixel's {plural(channels, 'value')} {'are' if several else 'is'} "
                   f"multiplied by the kernel's {plural(channels, 'weight')}, one product per channel, and added "
                   "up (a dot product). Press ▶ Play, or drag the step slider; the caption writes out the "
                   "products."),
        scan=scan_figure(engine.scan_trace(inputs, weights[:, :, None, None]), frame_ms=frame_ms),
        product_title=(f"All at once: a matrix product ({pixels} × {channels}) · ({channels} × {kernels}) "
                       f"= ({pixels} × {kernels})"),
        product_text=(f"Lay the input out with one row per pixel ({height}·{width} = {pixels} rows of {channels} "
                      f"channel value{'s' if several else ''}) and the kernels side by side, one column of "
                      f"{plural(channels, 'weight')} each. Every row times every column is one pixel's dot product "
                      "with one kernel, which is exactly what the scan above computes: row (row, col) of the result "
                      "is output pixel (row, col), column k is output map k."),
        product=viz_pointwise.matrix_product_figure(inputs, weights, output),
        difference=difference, agrees=agrees,
        check_text=(f"Same result both ways: the matrix product and `engine.pointwise_conv2d` differ by at most "
                    f"{number(difference, 12)} (max absolute difference over all {output.size} values)." if agrees
                    else f"The matrix product and `engine.pointwise_conv2d` differ by up to {difference:.3g}."),
        metrics={"Multiplications": mults, "Additions": adds, "Parameters": params,
                 "Output": f"{height}×{width}×{kernels}"},
        cost_text=(f"{multiplications}: {per_move}.  \n"
                   f"**Additions** = N × H × W × (C − 1) = {kernels} × {height} × {width} × {channels - 1} = "
                   f"**{adds}**  \n**Parameters** = N × C = {kernels} × {channels} = **{params}** (no bias)"),
        lecture_table=lecture_table(),
    )
