"""Pointwise convolution: N kernels of 1×1×C, each applied at every pixel on its own, mixing that pixel's
channels; all of it one matrix product. Its input is the depthwise stage's output of the same example
(lessons.examples), so that the two stages of a depthwise separable layer meet: by default the lecture's
table 1, a 7×7×3 input whose 3×3 depthwise maps, 5×5×3, go into 128 channels; table 2 turns the 8×8×3
maps of a 12×12×3 input into 256. Both are counted by the same engine function. No Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
from engine import ConvConfigError
from viz import count, number
from viz import pointwise as viz_pointwise
from viz import question as question_figures
from viz.animated import AnimatedFigure

from .common import plural
from .examples import SeparableExample, separable_example

INTRO = (
    "The second stage of a depthwise separable layer. As the lecture puts it: *take a 1×1 conv with number of "
    "filters equal to number of channels you want as output. Perform basic convolution applied in 1×1 conv to the "
    "output of the depth-wise convolution.* Its kernel is 1×1, so at each pixel it sees nothing but that pixel's "
    "C channel values, multiplies each by its own weight and adds them up. Each kernel is 1×1×C and makes one "
    "output map; N kernels turn H×W×C into H×W×N."
)
CHANNELS_HELP = "C: the depthwise maps' channels, and the depth of every 1×1×C kernel."
KERNELS_HELP = "N: the number of channels you want as output, one map per kernel."
SIZE_HELP = "The depthwise maps' size, which the pointwise stage keeps."
KERNEL_SIZE_HELP = ("The depthwise kernels' size k: the depthwise stage's input is (H + k − 1)×(W + k − 1)×C, and "
                    "its maps are H×W×C.")
SEED_HELP = "Draws the depthwise stage's input (whole numbers 0 to 9) and both stages' kernels (−2 to 2)."

TABLE_1 = "lecture, table 1: 7×7×3 input, 3×3 depthwise, 128 kernels"
TABLE_2 = "lecture, table 2: 12×12×3 input, 5×5 depthwise, 256 kernels"
CUSTOM = "custom (use the sliders)"
# example name -> the sizes it fixes (None: the sizes are the student's)
EXAMPLES = {TABLE_1: dict(height=5, width=5, channels=3, kernel_size=3, kernels=128),
            TABLE_2: dict(height=8, width=8, channels=3, kernel_size=5, kernels=256), CUSTOM: None}
EXAMPLE_HELP = "The lecture's two tables, or your own sizes from the sliders below."
DEPTHWISE_PAGE_MAX = 8  # the Depthwise page's largest custom input height and width

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
CODE_CAPTION = ("This configuration as code to copy (the button at a block's top right). The code's arrays are "
                "PyTorch's C×H×W: x is the C depthwise maps of H×W shown above, w the N×C kernel weights. The NumPy "
                "code computes the output; the PyTorch and Keras code defines the same 1×1 layer, with the same "
                "parameter count.")
LOOP = ("The app's loop", "The app computes it as one matrix product; this loop version is what the tests compare "
                          "it to.", engine.pointwise_conv2d_loop)  # (tab name, note, function) for ui.show_code


@dataclass(frozen=True)
class Config:
    """`kernels` pointwise kernels of 1×1×`channels` over the `height`×`width`×`channels` maps that
    `kernel_size`×`kernel_size` depthwise kernels make of a (height + k − 1)×(width + k − 1)×channels
    input (lessons.examples.separable_example, drawn with `seed`). Defaults: the lecture's table 1.
    A size below 1 raises ConvConfigError with the engine's message."""

    height: int = 5
    width: int = 5
    channels: int = 3
    kernel_size: int = 3
    kernels: int = 128
    seed: int = 0

    def __post_init__(self):
        self.cost()  # the engine checks every size is at least 1
        if self.kernel_size < 1:
            raise ConvConfigError(f"the depthwise kernel size must be at least 1, not {self.kernel_size}")

    @classmethod
    def for_example(cls, example: str, **settings) -> Config:
        """The configuration an example of EXAMPLES shows (a lecture table keeps its sizes whatever
        `settings` say; custom takes them from `settings`); another name raises ConvConfigError."""
        sizes = EXAMPLES.get(example, ())
        if sizes == ():
            raise ConvConfigError(f"unknown example {example!r}: choose one of {', '.join(EXAMPLES)}")
        return cls(**settings | (sizes or {}))

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """The pointwise stage's input, the depthwise maps: (channels, height, width), as the engine takes it."""
        return self.channels, self.height, self.width

    @property
    def depthwise_input(self) -> tuple[int, int, int]:
        """(height, width, channels) of the depthwise stage's input, H×W×C as the page writes it."""
        return self.height + self.kernel_size - 1, self.width + self.kernel_size - 1, self.channels

    def cost(self) -> engine.Cost:
        return engine.pointwise_cost(self.in_shape, self.kernels)

    def example(self) -> SeparableExample:
        height, width, channels = self.depthwise_input
        return separable_example(height, width, channels, self.kernel_size, self.kernels, self.seed)


CUSTOM_START = Config(kernels=3)  # where the sliders stand for a custom example: every kernel drawn


@dataclass(frozen=True, eq=False)
class Lesson:
    """What the Pointwise page shows for one configuration."""

    config: Config
    example: SeparableExample  # both stages; the input here is its depthwise maps
    inputs: np.ndarray  # (C, H, W): the depthwise maps
    weights: np.ndarray  # (N, C): kernel n's weight for channel c
    output: np.ndarray  # (N, H, W)
    cost: engine.Cost
    question: str
    answers: list  # (label, value) for ui.predict
    explanation: str
    source_text: str  # where the input comes from
    scan_title: str
    scan_text: str
    scan: AnimatedFigure
    legend: str
    difference: float  # largest difference between the matrix product and engine.pointwise_conv2d
    agrees: bool
    check_text: str
    metrics: dict[str, str]
    cost_text: str
    lecture_table: str
    question_figure: go.Figure  # the depthwise maps and the kernels, no output and no count

    def code(self):
        """This configuration in NumPy, PyTorch and Keras (codegen.Snippets), written when asked for."""
        return codegen.pointwise(self.inputs, self.weights)


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


def source_text(config: Config) -> str:
    """Where the input comes from, and where the Depthwise page shows it being made."""
    height, width, channels = config.depthwise_input
    size, k = f"{height}×{width}×{channels}", config.kernel_size
    seed = f", seed {config.seed}" if config.seed else ""
    maps = f"{config.height}×{config.width}×{config.channels}"
    made = (f"the Depthwise page, custom, {size} with {k}×{k} kernels{seed}, shows them being made"
            if max(height, width) <= DEPTHWISE_PAGE_MAX else
            f"the Depthwise page draws its custom examples the same way, up to {DEPTHWISE_PAGE_MAX}×"
            f"{DEPTHWISE_PAGE_MAX}")
    return (f"**The input is the depthwise stage's output**: the {maps} depthwise maps of the {size} example "
            f"({k}×{k} depthwise kernels, one per channel, stride 1, no padding); {made}.")


def question_figure(config: Config, inputs: np.ndarray, weights: np.ndarray) -> go.Figure:
    """The depthwise maps as a volume (map 1 in front, the others behind) and the kernels as stacks of 1×1
    sheets (kernel 1's weight for channel 1 in front): what the question about the multiplications gives,
    without the output or a count."""
    channels, kernels = config.channels, config.kernels
    Block = question_figures.Block
    return question_figures.question_figure([
        Block(f"<b>depthwise maps</b><br>{config.height}×{config.width}×{channels}", inputs.shape[1:], inputs[0],
              channels=tuple(range(channels)), name="depthwise map 1"),
        Block(f"<b>{plural(kernels, 'kernel')}</b><br>1×1×{channels}{' each' if kernels > 1 else ''}", (1, 1),
              weights[:1, :1], channels=tuple(range(channels)), name="kernel 1, channel 1"),
    ], "stride 1 · no padding")


def build(config: Config, frame_ms: int = 800) -> Lesson:
    """The lesson for `config`, its scan animated at `frame_ms` a step."""
    height, width, channels, kernels = config.height, config.width, config.channels, config.kernels
    example = config.example()
    inputs, weights = example.depthwise_maps, example.pointwise
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
    drawn = viz_pointwise.plan(inputs, output, min(kernels, viz_pointwise.DRAWN)).drawn  # as the figure draws
    drawn_text = (f"the first {drawn} of the {kernels} kernels and their maps are" if drawn > 1
                  else f"only kernel 1 of the {kernels} and its map are")
    shown_maps = (f"{drawn_text} drawn, the others work the same way" if kernels > drawn
                  else f"{'all ' if kernels > 1 else ''}{plural(kernels, 'kernel')} drawn")
    return Lesson(
        config=config, example=example, inputs=inputs, weights=weights, output=output, cost=cost,
        question=(f"The {height}×{width}×{channels} depthwise maps ({channels_text}) and "
                  f"{plural(kernels, 'pointwise kernel')} of 1×1×{channels} (stride 1, no padding): how many "
                  "multiplications does the pointwise convolution take?"),
        answers=[("Multiplications", cost.multiplications)],
        explanation=f"{multiplications}: {per_move}.",
        source_text=source_text(config),
        scan_title=(f"Step by step, pixel by pixel: {kernels_text} of 1×1×{channels}, at every one of the "
                    f"{height}×{width} pixels"),
        scan_text=(f"At each pixel every kernel sees {'all ' if several else 'its '}{channels_text} there, one "
                   f"value per depthwise map: the pixel's {plural(channels, 'value')} {'are' if several else 'is'} "
                   f"multiplied by the kernel's {plural(channels, 'weight')}, one product per channel, and added "
                   f"up (a dot product) into that pixel of the kernel's output map; {shown_maps}. On the right the "
                   f"same step as a matrix product, ({pixels} × {channels}) · ({channels} × {kernels}) = "
                   f"({pixels} × {kernels}): row p of the input matrix is pixel p's {plural(channels, 'value')}, and "
                   "row p of the output matrix its output values. Press ▶ Play, or drag the step slider."),
        scan=viz_pointwise.pointwise_figure(inputs, weights, output, frame_ms),
        legend=("Colours: each channel keeps its colour from the input, through its depthwise map (outlined and "
                "labelled in it) and its weight in every kernel, to its share of every output value in the "
                "caption."),
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
        question_figure=question_figure(config, inputs, weights),
    )
