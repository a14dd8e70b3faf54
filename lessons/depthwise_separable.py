"""Depthwise separable convolution: a depthwise stage (one k×k kernel per input channel) then a pointwise
stage (N kernels of 1×1×C), counted against a standard convolution with the same output, as in the
lecture's two tables, and the one standard kernel the two stages amount to. No Streamlit."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import plotly.graph_objects as go

import codegen
from codegen.text import times
import engine
import viz
from engine import ConvConfigError, Cost
from viz import pipeline as pipeline_figures
from viz import question as question_figures
from viz import separable_cost as figures

from .blocks import ByWidth, Caption, Chart, Check, Columns, Formula, GoingFurther, Metric, Metrics, Notice, Section, Text
from .common import COUNTING_CONVENTION, padding_text
from .examples import SeparableExample, separable_example
from .network_costs import mult_adds_factor

EXAMPLE_SEED = 0  # the example weights are whole numbers drawn from this seed, the same on every visit
SHOWN_CHANNELS, SHOWN_KERNELS, SHOWN_SIDE = 3, 4, 12  # the largest copy of the layer the pipeline draws
EXAMPLE_CHANNELS, EXAMPLE_KERNELS = 3, 2  # the equivalent kernel's example for a layer too large to draw
EQUIVALENT_CHANNELS = 4  # the most channels the equivalent-kernel figure draws of the layer itself
COUNTED = (("multiplications", "multiplications"), ("additions", "additions"), ("parameters", "params"))  # Cost fields

INTRO = (
    "MobileNet and Xception replace a standard convolution by two stages: a **depthwise** convolution "
    "(one k×k kernel per input channel, each on its own channel) then a **pointwise** convolution "
    "(N kernels of 1×1×C that mix the channels at every pixel). The output has the same shape, and the "
    "lecture's tables show how many fewer multiplications it takes. Every number below is computed."
)
EXAMPLE_HELP = "The lecture's two tables, or your own sizes from the sliders below."
STRIDE_HELP = "The same in the standard and the depthwise convolution."
GROUPS_HELP = "For the grouped convolution below; it must divide both C and N."
PRESET_NOTE = ("A lecture table fixes the input H×W×C, the kernel size, the number of kernels, stride 1 and "
               "padding 0: the sliders below show its values, greyed out, until the example is **custom**. "
               "Groups and bias still apply.")
RATIO_CAPTION = ("The more kernels, the closer the ratio gets to 1/k²: about 9 times fewer multiplications for 3×3 "
                 "kernels, 25 for 5×5. With 1×1 kernels there is nothing to separate, and the two stages cost more "
                 "than one.")
EQUIVALENCE_LEAD = ("Depthwise then pointwise is itself a standard convolution, with one particular kernel. Output "
                    "map n adds up the pointwise weights times the depthwise maps, and the weights can move inside:")
EQUIVALENCE_LATEX = (  # two lines, for a narrow page
    r"\begin{gathered} y_n = \sum_c P[n, c]\,\bigl(D[c] \star x_c\bigr) = \sum_c \bigl(P[n, c]\, D[c]\bigr)"
    r" \star x_c \\ \Longrightarrow\quad W[n, c] = P[n, c] \cdot D[c] \end{gathered}")
MATH_LATEX = (  # one count a line, for a narrow page
    r"\begin{gathered} \text{standard} = N \cdot H_o W_o \cdot C k^2 \\ \text{depthwise} = C \cdot H_o W_o "
    r"\cdot k^2 \\ \text{pointwise} = N \cdot H_o W_o \cdot C \end{gathered}",
    r"\frac{\text{depthwise} + \text{pointwise}}{\text{standard}} = "
    r"\frac{C H_o W_o k^2 + N H_o W_o C}{N H_o W_o C k^2} = \frac{1}{N} + \frac{1}{k^2}",
)
MATH_NOTE = ("The engine computes each count from the output size it works out for the layer "
             "(`engine.standard_cost`, `engine.depthwise_cost`, `engine.pointwise_cost`, `engine.grouped_cost`), "
             "never from this formula.")


@dataclass(frozen=True)
class Config:
    """One layer: an input of H×W×C and N kernels of k×k, the lecture's first table by default.

    groups is the grouped convolution's g; where it does not divide both C and N the lesson uses the
    nearest that does, and says so. Sizes the engine cannot compute it refuses with the fix."""

    height: int = 7
    width: int = 7
    channels: int = 3
    kernel_size: int = 3
    kernels: int = 128  # N, the number of output channels
    stride: int = 1
    padding: int | str = 0
    groups: int = 1
    bias: bool = False  # one bias per output channel, in the standard and the pointwise layer

    def __post_init__(self):
        if isinstance(self.groups, bool) or not isinstance(self.groups, int) or self.groups < 1:
            raise ConvConfigError(f"groups must be a whole number of at least 1, got {self.groups!r}: choose a "
                                  "divisor of both the channels C and the kernels N")

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return self.channels, self.height, self.width


LECTURE_TABLE_1 = Config()  # 7×7×3 input, 128 kernels of 3×3
LECTURE_TABLE_2 = Config(height=12, width=12, kernel_size=5, kernels=256)
PRESETS = {  # the Example box's options (the address's ?preset=) and the layer each sets; None: the sliders'
    "lecture table 1: 7×7×3, 128 kernels of 3×3": LECTURE_TABLE_1,
    "lecture table 2: 12×12×3, 256 kernels of 5×5": LECTURE_TABLE_2,
    "custom": None,
}


@dataclass(frozen=True)
class Lesson:
    config: Config
    standard: Cost
    depthwise: Cost
    pointwise: Cost
    separable: Cost  # depthwise + pointwise
    shapes: str
    question: str  # predict: the separable layer's multiplications
    explanation: str
    pipeline_text: str
    pipeline_figure: go.Figure  # viz.pipeline.PipelineFigure: the animation through both stages
    pipeline_check: Check  # the two stages equal the standard convolution with W = P·D, cell for cell
    table: str  # the lecture's table with this layer's numbers
    standard_total: str
    separable_total: str
    ratio: Fraction  # separable ÷ standard multiplications
    ratio_metrics: tuple[Metric, ...]
    ratio_latex: str
    ratio_check: Check  # the measured ratio is 1/N + 1/k²
    ratio_reason: str  # why, and the counts that do not follow the formula
    counts: tuple[Metric, ...]  # multiplications, additions, parameters: standard, then separable
    bias_caption: str
    ratio_figure: go.Figure
    groups: int  # the number of groups used
    groups_warning: str | None  # the number asked for divides not both C and N
    groups_text: str
    groups_figure: go.Figure
    groups_table: str
    groups_caption: str | None  # C and N share no divisor but 1
    groups_check: str
    patterns_text: str  # what W[n, c] = P[n, c] · D[c] means for the kernels
    equivalent_figure: go.Figure
    equivalence_example: str
    equivalence_check: Check  # depthwise then pointwise == conv2d with W[n, c] = P[n, c] · D[c]
    parameters_text: str
    code_caption: str
    question_figure: go.Figure  # the input volume and both stages' kernels, by their shapes: no output, no count

    @property
    def sections(self) -> tuple:
        """What the page shows after the predict question, in order: the lecture's path, then the side topics
        folded under Going further (the expander with the math aside)."""
        return (
            Section("The two stages, on one example", (
                Text(self.pipeline_text),
                ByWidth((Chart(self.pipeline_figure, "pipeline"),),
                        (Chart(self.pipeline_figure.narrow(), "pipeline__narrow"),), key="pipeline"),
                self.pipeline_check)),
            Section("The lecture's table, computed", (
                Text(self.table),
                Columns(((Text(self.standard_total),), (Text(self.separable_total),)), "totals", (1, 2), 10, gap="small"),
                Caption(COUNTING_CONVENTION))),
            Section("How much cheaper: 1/N + 1/k²", (
                Metrics(self.ratio_metrics, "ratio_metrics"), Formula(self.ratio_latex), self.ratio_check,
                Text(self.ratio_reason))),
            GoingFurther((
                Section("The ratio for other layers", (Chart(self.ratio_figure, "chart_ratio"), Caption(RATIO_CAPTION))),
                Section("Additions, parameters, biases", (  # standard, then separable
                    Metrics(self.counts[:3], "standard_counts"), Metrics(self.counts[3:], "separable_counts"),
                    Caption(self.bias_caption))),
                Section("Between the two: grouped convolution", (
                    Notice(self.groups_warning, "warning", warning=True) if self.groups_warning else None,
                    Text(self.groups_text),
                    Columns(((Chart(self.groups_figure, "chart_groups"),),  # the table under the chart where narrow
                             (Text(self.groups_table), Caption(self.groups_caption) if self.groups_caption else None)),
                            "groups", gap="large"),
                    Text(self.groups_check))),
                Section("What separability gives up", (
                    Text(EQUIVALENCE_LEAD), Formula(EQUIVALENCE_LATEX), Text(self.patterns_text),
                    Columns(((Chart(self.equivalent_figure, "chart_equivalent"),),
                             (Text(self.equivalence_example), self.equivalence_check, Text(self.parameters_text))),
                            "equivalent", (3, 2), 22, gap="large"))))),
        )

    def code(self):
        """This layer in NumPy, PyTorch and Keras (codegen), computed when shown."""
        config = self.config
        return codegen.depthwise_separable(config.in_shape, config.kernel_size, config.kernels, config.stride,
                                           config.padding, config.bias, self.groups)


def ratio_text(value) -> str:
    """A ratio as the page writes it: four decimals."""
    return f"{float(value):.4f}"


def tex_count(number: int) -> str:
    """86400 as 86{,}400: LaTeX would space a bare comma as punctuation."""
    return viz.count(number).replace(",", "{,}")


def valid_groups(channels: int, kernels: int) -> list[int]:
    """The numbers of groups a layer allows: divisors of C that also divide N."""
    return [g for g in range(1, min(channels, kernels) + 1) if channels % g == 0 and kernels % g == 0]


def lecture_table(config: Config, standard: Cost, depthwise: Cost, pointwise: Cost) -> str:
    """The lecture's table, standard, depthwise and pointwise side by side, with this layer's numbers."""
    size, channels, kernels = config.kernel_size, config.channels, config.kernels
    _, out_height, out_width = standard.out_shape
    moves = times(out_height, out_width)
    return (
        "| | standard convolution | depthwise convolution | pointwise convolution |\n| --- | --- | --- | --- |\n"
        f"| kernel size | {times(size, size, channels)} | {times(size, size, 1)} | {times(1, 1, channels)} |\n"
        f"| times moved | {moves} | {moves} | {moves} |\n"
        f"| number of kernels | {kernels} | {channels} | {kernels} |\n"
        f"| multiplications | {times(size, size, channels, out_height, out_width, kernels)} = "
        f"**{viz.count(standard.multiplications)}** "
        f"| {times(size, size, 1, out_height, out_width, channels)} = **{viz.count(depthwise.multiplications)}** "
        f"| {times(1, 1, channels, out_height, out_width, kernels)} = **{viz.count(pointwise.multiplications)}** |"
    )


@dataclass(frozen=True)
class Pipeline:
    """The layer, cut down to what can be drawn (at most SHOWN_SIDE×SHOWN_SIDE×SHOWN_CHANNELS, all N kernels
    counted, SHOWN_KERNELS drawn), through both stages and through the standard convolution they amount to
    (lessons.examples.separable_example: the numbers the Depthwise and Pointwise pages show), its costs and
    the running counts of its animation."""

    example: SeparableExample
    in_shape: tuple[int, int, int]  # (C, H, W) drawn
    depthwise: Cost  # of the drawn layer
    pointwise: Cost
    standard: Cost
    counts: np.ndarray  # (Ho·Wo, 3): depthwise, pointwise, standard multiplications after each position
    figure: go.Figure

    @property
    def shown_kernels(self) -> int:
        return min(self.example.pointwise.shape[0], SHOWN_KERNELS)


def running_counts(depthwise: Cost, pointwise: Cost, standard: Cost) -> np.ndarray:
    """The three counts after each output position, row by row: every position costs the same (padded
    zeros are multiplied too), so after s + 1 of Ho·Wo positions each count is that share of its total."""
    _, out_height, out_width = standard.out_shape
    positions = out_height * out_width
    done = np.arange(1, positions + 1, dtype=np.int64)
    totals = np.array([depthwise.multiplications, pointwise.multiplications, standard.multiplications], dtype=np.int64)
    return done[:, None] * totals[None, :] // positions


@functools.lru_cache(maxsize=16)  # the figure depends on these only, not on groups or biases
def pipeline(channels: int, kernels: int, height: int, width: int, size: int, stride: int, padding) -> Pipeline:
    """The layer's stages on an input of height × width × channels (separable_example's numbers)."""
    example = separable_example(height, width, channels, size, kernels, EXAMPLE_SEED, stride, padding)
    in_shape = (channels, height, width)
    depthwise = engine.depthwise_cost(in_shape, size, 1, stride, padding)
    pointwise = engine.pointwise_cost(depthwise.out_shape, kernels)
    standard = engine.standard_cost(in_shape, size, kernels, stride, padding)
    counts = running_counts(depthwise, pointwise, standard)
    pads = engine.plan((height, width), size, stride, padding).pads
    shown = min(kernels, SHOWN_KERNELS)
    stages = pipeline_figures.Stages(
        x=np.pad(example.x, ((0, 0), *pads)), pads=pads, depthwise=example.depthwise,
        depthwise_maps=example.depthwise_maps, pointwise=example.pointwise[:shown], outputs=example.output[:shown],
        standard=example.standard[:shown], standard_maps=example.standard_maps[:shown], stride=stride,
        kernels=kernels, counts=counts)
    return Pipeline(example, in_shape, depthwise, pointwise, standard, counts, pipeline_figures.pipeline_figure(stages))


def shown_pipeline(config: Config) -> Pipeline:
    """The layer cut down to at most 3 channels of 12×12 (the lecture's largest input), all its kernels."""
    return pipeline(min(config.channels, SHOWN_CHANNELS), config.kernels, min(config.height, SHOWN_SIDE),
                    min(config.width, SHOWN_SIDE), config.kernel_size, config.stride, config.padding)


def pipeline_text(config: Config, shown: Pipeline) -> str:
    channels, height, width = shown.in_shape
    kernels, out_height, out_width = shown.standard.out_shape
    size = config.kernel_size
    shrunk = (channels, height, width) != (config.channels, config.height, config.width)
    which = (f"A copy of this layer cut down to **{height}×{width}×{channels}** (of {config.height}×{config.width}×"
             f"{config.channels}), to fit the screen, with all {kernels} kernels: the counts in the animation are "
             "this copy's; the table below counts your layer. " if shrunk else
             f"This layer, **{height}×{width}×{channels}** with {kernels} kernels of {size}×{size}, at its own size. ")
    # a wide screen draws shown.shown_kernels of them, a narrower one or a projector fewer (viz.pipeline)
    fewest = min(shown.shown_kernels, pipeline_figures.PRESENTER_KERNELS)
    plural = "s" if kernels > 1 else ""
    if kernels <= fewest:
        drawn = f"the {kernels} pointwise kernel{plural} (1×1×{channels}) and their maps"
    elif kernels <= shown.shown_kernels:
        drawn = (f"the {kernels} pointwise kernels (1×1×{channels}) and their maps (a screen narrower than 1,600 px "
                 f"draws the first {fewest})")
    else:
        drawn = (f"the first {fewest} (on a screen 1,600 px wide or more, {shown.shown_kernels}) of the {kernels} "
                 f"pointwise kernels (1×1×{channels}) and their maps (the others are counted, not drawn)")
    return (
        which + f"Press **Play**: at each of the {out_height}×{out_width} = {out_height * out_width} output positions "
        f"the {channels} depthwise kernels sit on their own channel's window and give the depthwise maps their value "
        f"there; then {drawn} mix that pixel's column of {channels} values into the output. On the right, a "
        f"**standard convolution on the same input**, with kernels W[n, c] = P[n, c] · D[c] ({size}×{size}×"
        f"{channels}), gives the same output cell for cell. Each channel keeps its colour: its input, its depthwise "
        "kernel and map, and its weight in every pointwise kernel. Whole-number weights drawn at random (the same "
        "numbers as the Depthwise and Pointwise pages). That standard convolution is a special one: *Going further* "
        "below, *What separability gives up*, shows what a separable layer can and cannot express."
    )


def pipeline_check(shown: Pipeline) -> Check:
    """The two stages against the standard convolution with W = P·D, on every kernel and position."""
    example = shown.example
    kernels, out_height, out_width = example.output.shape
    difference = example.difference
    if difference < 1e-9:
        return Check(f"Checked on all {kernels} kernels at all {out_height}×{out_width} positions: the standard "
                     "convolution with W = P·D gives the two stages' output cell for cell (largest difference "
                     f"{difference:.2g}).", holds=True)
    return Check(f"The two stages and the standard convolution with W = P·D differ by up to {difference:.3g}.",
                 holds=False)


def ratio_reason(standard: Cost, separable: Cost, formula: Fraction) -> str:
    """Why the ratio is 1/N + 1/k², and the table of counts that do not follow it (additions, biases)."""
    rows = []
    for label, field in COUNTED:
        standard_value, separable_value = getattr(standard, field), getattr(separable, field)
        if standard_value == 0:  # a 1×1 kernel on one channel adds nothing up
            rows.append(f"| {label} | 0 | {viz.count(separable_value)} | – | |")
            continue
        ratio = Fraction(separable_value, standard_value)
        rows.append(f"| {label} | {viz.count(standard_value)} | {viz.count(separable_value)} | {ratio_text(ratio)} | "
                    f"{'= 1/N + 1/k²' if ratio == formula else 'differs'} |")
    return (
        "Why: the depthwise stage costs C·k²·Ho·Wo, the pointwise stage N·C·Ho·Wo, the standard convolution "
        "N·C·k²·Ho·Wo; divide, and C·Ho·Wo cancels, leaving 1/N + 1/k² (Howard et al. 2017, section 3.1). "
        "The formula assumes both layers produce the same output size Ho×Wo, which holds here for every stride "
        "and padding, because the depthwise stage uses the standard layer's stride and padding and the pointwise "
        "stage keeps its size. Compare a strided standard convolution with an unstrided depthwise stage and they "
        "would no longer agree. Additions and biases do not follow the formula either: each output adds up "
        "k² − 1 and C − 1 products instead of C·k² − 1, and a bias adds N to both parameter counts:\n\n"
        "| | standard | depthwise separable | separable ÷ standard | |\n| --- | --- | --- | --- | --- |\n"
        + "\n".join(rows)
    )


def bias_caption(config: Config) -> str:
    kernels = config.kernels
    if config.bias:
        return (f"Biases counted, as Keras' SeparableConv2D has them: one per output channel ({kernels}), added "
                f"after the pointwise stage, none in the depthwise stage; the standard convolution has {kernels} "
                "biases too. A bias adds one addition per output value. BatchNorm is not counted.")
    return ("No biases counted (tick *Count biases* in the sidebar): parameters are the weights only. With "
            f"biases, Keras' SeparableConv2D has one per output channel ({kernels}), none in the depthwise "
            f"stage, and the standard convolution has {kernels} too. BatchNorm is not counted.")


@dataclass(frozen=True)
class Grouped:
    """The grouped convolution between the two: every valid number of groups, and the one used."""

    options: list[int]
    used: int
    costs: list[Cost]  # one per option
    warning: str | None
    table: str
    check: str


def grouped(config: Config, standard: Cost, depthwise: Cost) -> Grouped:
    channels, kernels, size = config.channels, config.kernels, config.kernel_size
    options = valid_groups(channels, kernels)
    used, warning = config.groups, None
    if config.groups not in options:
        used = min(options, key=lambda g: (abs(g - config.groups), g))
        valid = (f"the only divisor of {channels} that also divides {kernels} is 1" if len(options) == 1 else
                 f"the divisors of {channels} that also divide {kernels} are {', '.join(map(str, options))}")
        warning = (f"groups = {config.groups} does not divide both C = {channels} and N = {kernels}: {valid}; "
                   f"using the nearest, groups = {used}.")
    costs = [engine.grouped_cost(config.in_shape, size, kernels, g, config.stride, config.padding, bias=config.bias)
             for g in options]
    lines = []
    for g, cost in zip(options, costs):
        mark = "**" if g == used else ""
        lines.append(f"| {mark}{g}{mark} | {times(size, size, channels // g)} | "
                     f"{mark}{viz.count(cost.multiplications)}{mark} | {mark}{viz.count(cost.params)}{mark} |")
    as_standard, *_ = costs  # g = 1
    as_depthwise = engine.grouped_cost(config.in_shape, size, channels, channels, config.stride, config.padding)
    same_as_standard = as_standard == standard
    same_as_depthwise = (as_depthwise.multiplications, as_depthwise.params) == (depthwise.multiplications,
                                                                              depthwise.params)
    check = (
        f"Checked with the engine: g = 1 gives {viz.count(as_standard.multiplications)} multiplications, "
        f"{'the same as' if same_as_standard else 'unlike'} the standard convolution's "
        f"{viz.count(standard.multiplications)}; g = C = {channels} with N = {channels} kernels gives "
        f"{viz.count(as_depthwise.multiplications)}, {'the same as' if same_as_depthwise else 'unlike'} the depthwise "
        f"stage's {viz.count(depthwise.multiplications)}. A grouped convolution alone never mixes the groups; the "
        "pointwise stage after the depthwise one does."
    )
    table = ("| groups g | kernel size | multiplications | parameters |\n| --- | --- | --- | --- |\n"
             + "\n".join(lines))
    return Grouped(options, used, costs, warning, table, check)


def example_kernels(channels: int, kernels: int, size: int, rng: np.random.Generator):
    """Depthwise kernels D (C, k, k) of whole numbers from −3 to 3 and pointwise weights P (N, C) from ±½, ±1, ±2."""
    depthwise = rng.integers(-3, 4, size=(channels, size, size)).astype(float)
    return depthwise, rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], size=(kernels, channels))


@functools.lru_cache(maxsize=16)  # the page's costliest figure depends on these only
def equivalent_kernel_figure(channels: int, kernels: int, size: int) -> go.Figure:
    """D on top, then W[n, c] = P[n, c] · D[c] for each kernel n, for the example's first draws."""
    depthwise, pointwise = example_kernels(channels, kernels, size, np.random.default_rng(EXAMPLE_SEED))
    return figures.equivalent_kernel_figure(depthwise, pointwise, engine.equivalent_kernel(depthwise, pointwise))


@dataclass(frozen=True)
class Equivalence:
    """Depthwise kernels D (C, k, k) and pointwise weights P (N, C), the standard kernel W (N, C, k, k) they
    amount to, and the largest difference between the two stages and conv2d with W on a random input."""

    depthwise: np.ndarray
    pointwise: np.ndarray
    equivalent: np.ndarray
    difference: float
    out_shape: tuple[int, int, int]
    figure: go.Figure


def equivalence(config: Config) -> Equivalence:
    """W[n, c] = P[n, c] · D[c], checked against engine.conv2d on this layer's input size, with the layer's
    own channels and kernels when they fit the screen."""
    channels = config.channels if config.channels <= EQUIVALENT_CHANNELS else EXAMPLE_CHANNELS
    kernels = config.kernels if config.kernels <= SHOWN_KERNELS else EXAMPLE_KERNELS
    rng = np.random.default_rng(EXAMPLE_SEED)
    depthwise, pointwise = example_kernels(channels, kernels, config.kernel_size, rng)
    equivalent = engine.equivalent_kernel(depthwise, pointwise)
    x = rng.normal(size=(channels, config.height, config.width))
    two_stages = engine.pointwise_conv2d(engine.depthwise_conv2d(x, depthwise, config.stride, config.padding),
                                         pointwise)
    one_stage = engine.conv2d(x, equivalent, config.stride, config.padding)
    return Equivalence(depthwise, pointwise, equivalent, float(np.abs(two_stages - one_stage).max()),
                       one_stage.shape, equivalent_kernel_figure(channels, kernels, config.kernel_size))


def equivalence_texts(config: Config, example: Equivalence) -> tuple[str, Check, str]:
    """What the equivalent-kernel figure shows, the numerical check, and what the two forms cost in parameters."""
    kernels, channels, size = config.kernels, config.channels, config.kernel_size
    example_kernels, example_channels = example.pointwise.shape
    same_as_layer = (example_channels, example_kernels) == (channels, kernels)
    if same_as_layer:
        which = f"This layer itself, with C = {channels}, N = {kernels} and k = {size}"
    else:
        which = (f"A small example with this layer's k = {size}: C = {example_channels} channels and "
                 f"N = {example_kernels} kernels (all {kernels}×{channels} blocks of this layer would not fit)")
    shown = (
        f"{which}. Top row: the depthwise kernels D₁ … D{figures.subscript(example_channels)}, whole numbers drawn at "
        f"random (seed {EXAMPLE_SEED}). Below: one row per output kernel n of the equivalent standard kernel W, "
        "one block per channel c, with the pointwise weight P[n, c] in the block's title. One colour scale for "
        "all blocks: each block is its channel's pattern, made stronger, weaker or sign-flipped."
    )
    out_channels, out_height, out_width = example.out_shape
    if example.difference < 1e-9:
        check = Check(f"Checked on a random {config.height}×{config.width}×{example_channels} input: depthwise then "
                      f"pointwise equals conv2d with W (output {out_height}×{out_width}×{out_channels}); the largest "
                      f"absolute difference is {example.difference:.2g}, rounding in floating point.", holds=True)
    else:
        check = Check(f"Depthwise then pointwise and conv2d with W differ by up to {example.difference:.3g}.",
                      holds=False)
    example_shape = (example_channels, config.height, config.width)
    layer_standard = engine.standard_cost(config.in_shape, size, kernels, config.stride, config.padding)
    layer_separable = engine.depthwise_separable_cost(config.in_shape, size, kernels, config.stride, config.padding)
    example_standard = engine.standard_cost(example_shape, size, example_kernels, config.stride, config.padding)
    example_separable = engine.depthwise_separable_cost(example_shape, size, example_kernels, config.stride,
                                                        config.padding)
    parameters = (
        f"**Parameters** (weights only) of this layer: separable C·k² + N·C = "
        f"{channels}·{size}² + {kernels}·{channels} = **{viz.count(layer_separable.params)}**, against "
        f"standard N·C·k² = {kernels}·{channels}·{size}² = **{viz.count(layer_standard.params)}**"
        + ("" if same_as_layer else
           f" (in the example: {viz.count(example_separable.params)} against {viz.count(example_standard.params)})")
        + ". Training can only reach kernels of this form. The MobileNet paper measured what that costs: "
        "1.1 points of ImageNet accuracy (71.7% against 70.6%, Howard et al. 2017, Table 4) for "
        f"{mult_adds_factor():.1f} times fewer mult-adds over the whole network (computed on the Network costs page)."
    )
    return shown, check, parameters


def question_figure(config: Config) -> go.Figure:
    """The input volume (its zero padding around it, the channels behind one another), the depthwise kernels
    and the pointwise kernels, drawn by their shapes: what the question about the multiplications gives,
    without an output shape or a count."""
    size, channels, kernels = config.kernel_size, config.channels, config.kernels
    pads = engine.plan((config.height, config.width), size, config.stride, config.padding).pads
    every = tuple(range(channels))
    Block = question_figures.Block
    return question_figures.question_figure([
        Block(f"<b>input</b><br>{config.height}×{config.width}×{channels}", (config.height, config.width), pads=pads,
              channels=every, name="input"),
        Block(f"<b>depthwise</b><br>{channels} × {size}×{size}×1", (size, size), channels=every,
              name="depthwise kernel"),
        Block(f"<b>pointwise</b><br>{kernels} × 1×1×{channels}", (1, 1), channels=every, name="pointwise kernel"),
    ], f"stride {config.stride} · {padding_text(config.padding)}")


def build(config: Config) -> Lesson:
    """Everything the page shows for this layer. Raises ConvConfigError, with the fix, for a layer the
    engine cannot compute."""
    size, channels, kernels = config.kernel_size, config.channels, config.kernels
    standard = engine.standard_cost(config.in_shape, size, kernels, config.stride, config.padding, bias=config.bias)
    depthwise = engine.depthwise_cost(config.in_shape, size, 1, config.stride, config.padding)
    pointwise = engine.pointwise_cost(depthwise.out_shape, kernels, bias=config.bias)
    separable = engine.depthwise_separable_cost(config.in_shape, size, kernels, config.stride, config.padding,
                                                bias=config.bias)
    _, out_height, out_width = standard.out_shape
    padding = padding_text(config.padding)
    table = lecture_table(config, standard, depthwise, pointwise)
    ratio = Fraction(separable.multiplications, standard.multiplications)
    formula = Fraction(1, kernels) + Fraction(1, size * size)
    shown = shown_pipeline(config)
    groups = grouped(config, standard, depthwise)
    example = equivalence(config)
    example_text, equivalence_check, parameters_text = equivalence_texts(config, example)
    return Lesson(
        config=config, standard=standard, depthwise=depthwise, pointwise=pointwise, separable=separable,
        shapes=(f"**Shapes** (H×W×C, height × width × channels, as the lecture writes them): input "
                f"**{config.height}×{config.width}×{channels}** → depthwise **{out_height}×{out_width}×{channels}** → "
                f"pointwise **{out_height}×{out_width}×{kernels}**; the standard convolution gives "
                f"**{out_height}×{out_width}×{kernels}** directly (stride {config.stride}, {padding})."),
        question=(f"Input {config.height}×{config.width}×{channels} (height × width × channels), N = {kernels} kernels "
                  f"of {size}×{size}, stride {config.stride}, {padding}: how many multiplications does the depthwise "
                  "separable layer take, depthwise stage plus pointwise stage?"),
        explanation=(f"The lecture's table with this layer's numbers (each output map is {out_height}×{out_width}):"
                     f"\n\n{table}\n\nDepthwise separable: {viz.count(depthwise.multiplications)} + "
                     f"{viz.count(pointwise.multiplications)} = **{viz.count(separable.multiplications)}**, against "
                     f"{viz.count(standard.multiplications)} for the standard convolution with the same output."),
        pipeline_text=pipeline_text(config, shown),
        pipeline_figure=shown.figure,
        pipeline_check=pipeline_check(shown),
        table=table,
        standard_total=f"#### Standard: {viz.count(standard.multiplications)}",
        separable_total=(f"#### Depthwise separable: {viz.count(depthwise.multiplications)} + "
                         f"{viz.count(pointwise.multiplications)} = {viz.count(separable.multiplications)}"),
        ratio=ratio,
        ratio_metrics=(
            Metric("Measured: separable ÷ standard", ratio_text(ratio),
                   f"{viz.count(separable.multiplications)} ÷ {viz.count(standard.multiplications)}"),
            Metric("MobileNet: 1/N + 1/k²", ratio_text(formula), f"1/{kernels} + 1/{size}²"),
            Metric("Fewer multiplications", f"{float(1 / ratio):.2f}×")),
        ratio_latex=(  # the strut keeps KaTeX's box tall enough that the numerators are not clipped
            r"\rule{0pt}{1.5em}" + rf"\frac{{{tex_count(separable.multiplications)}}}"
            rf"{{{tex_count(standard.multiplications)}}} = {ratio_text(ratio)}"
            rf"\qquad \frac{{1}}{{N}} + \frac{{1}}{{k^2}} = \frac{{1}}{{{kernels}}} + \frac{{1}}{{{size}^2}} = "
            rf"{ratio_text(formula)}"),
        ratio_check=Check(f"They agree exactly: both are {ratio.numerator}/{ratio.denominator}." if ratio == formula
                          else f"They differ: measured {ratio}, formula {formula}.", ratio == formula),
        ratio_reason=ratio_reason(standard, separable, formula),
        counts=tuple(Metric(f"{name}: {label}", viz.count(getattr(cost, field)))
                     for name, cost in (("Standard", standard), ("Separable", separable))
                     for label, field in COUNTED),
        bias_caption=bias_caption(config),
        ratio_figure=figures.ratio_figure(kernels, size, float(ratio)),
        groups=groups.used,
        groups_warning=groups.warning,
        groups_text=(
            f"A grouped convolution splits the {channels} input channels into g groups and the {kernels} kernels "
            "into g groups too; each kernel sees only its own group's C/g channels, so it is k×k×(C/g). **g = 1 is "
            "the standard convolution; g = C with N = C kernels is the depthwise convolution** (with N a multiple of "
            "C, it is depthwise with depth multiplier N/C). g has to divide both C and N."),
        groups_figure=figures.groups_figure(groups.options, groups.costs, groups.used, separable),
        groups_table=groups.table,
        groups_caption=(f"C = {channels} and N = {kernels} share no divisor but 1, so g = 1 is the only choice. "
                        "Try custom with C = 8 and N = 16." if len(groups.options) == 1 else None),
        groups_check=groups.check,
        patterns_text=(
            f"So each standard kernel's {size}×{size} channel slices are **scaled copies of the same C patterns** "
            "D₁, D₂, …: kernel 1 and kernel 2 may weigh channel 1's pattern differently, but never use a different "
            "pattern for it. A standard convolution may give every kernel and channel its own pattern. The standard "
            "kernels in the animation above are of this form, which is why they give the two stages' output exactly; "
            "a standard layer with kernels not of this form computes maps that no depthwise separable layer can."),
        equivalent_figure=example.figure,
        equivalence_example=example_text,
        equivalence_check=equivalence_check,
        parameters_text=parameters_text,
        code_caption=(
            "This layer as code to copy (the button at a block's top right). The NumPy code computes a depthwise "
            "then a pointwise stage on random values; the PyTorch and Keras code defines the layer, with the "
            f"separable parameter count above, and the grouped convolution with groups = {groups.used}. The code "
            f"writes shapes as the libraries do: NumPy and PyTorch channels first, C×H×W ({channels}×{config.height}×"
            f"{config.width}; PyTorch with a batch of 1 in front), Keras H×W×C as the lecture does."),
        question_figure=question_figure(config),
    )
