"""Network costs: MobileNet v1 (Howard et al. 2017, Table 1) counted layer by layer by the engine, against
the same network built from standard 3×3 convolutions, and compared with what the paper prints. No Streamlit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

import codegen
import engine
import viz
from engine import Cost, Layer
from viz import network as network_figures
from viz import question as question_figures
from viz.network import KINDS, millions

from .blocks import Metric

ALPHAS = (0.25, 0.5, 0.75, 1.0)  # the width multipliers of the paper's Table 6
RESOLUTIONS = (128, 160, 192, 224)  # the input sizes of its Table 7
POINTWISE = "pointwise 1×1"
STANDARD = "standard 3×3"

# What Howard et al. (2017) print, quoted only to be compared with what the engine counts.
PAPER_TOTALS = {  # (alpha, resolution): (million mult-adds, million parameters), Tables 6 and 7
    (1.0, 224): (569, 4.2), (0.75, 224): (325, 2.6), (0.5, 224): (149, 1.3), (0.25, 224): (41, 0.5),
    (1.0, 192): (418, 4.2), (1.0, 160): (290, 4.2), (1.0, 128): (186, 4.2),
}
PAPER_STANDARD = (4866, 29.3)  # Table 4, "Conv MobileNet": million mult-adds, million parameters
PAPER_SHARES = {  # Table 2: per cent of the mult-adds and of the parameters, as printed
    POINTWISE: ("94.86%", "74.59%"), "depthwise 3×3": ("3.06%", "1.06%"),
    STANDARD: ("1.19%", "0.02%"), "fully connected": ("0.18%", "24.33%"),
}

INTRO = (
    "The lecture's claim: *fewer computations leads to a faster network.* Here it is checked on a whole "
    f"network, MobileNet v1 (Howard et al. 2017, Table 1): {len(engine.MOBILENET_V1_BODY)} depthwise separable "
    "layers between a standard 3×3 convolution and a fully connected classifier. Every count below is computed "
    "by the same engine functions as on the earlier pages, layer by layer, and compared with the same network "
    "built from standard 3×3 convolutions."
)
BARS_TEXT = (
    "One bar per layer with weights, in network order. The buttons above the chart switch the y axis between "
    "linear and log: on the linear axis the depthwise layers almost vanish beside the pointwise ones; on the "
    "log axis they can be read. Hover over a bar for its numbers."
)
BIAS_HELP = "Off, as in the paper: each convolution is followed by BatchNorm, whose shift does a bias's job."
FC_BIAS_HELP = ("One bias per class. The paper's Table 2 leaves them out of its parameter shares; its 4.2 million "
                "includes them.")
CODE_CAPTION = (
    "As code to copy (the button at a block's top right). The first tab counts this network's mult-adds and "
    "parameters in plain Python; the PyTorch tab builds it, the Keras tab loads Keras' own MobileNet; both say "
    "which parameters match this page's count (BatchNorm is not counted here)."
)
ENGINE_SOURCE = ("The engine", "Each row of the table is one call to the same cost functions as on the earlier pages.",
                 engine.mobilenet_v1)


# what the question's table shows of the layer table: each layer's shapes, from which its mult-adds follow
QUESTION_COLUMNS = ["layer", "type", "stride", "input (H×W×C)", "kernel", "output (H×W×C)"]


@dataclass(frozen=True)
class Config:
    """MobileNet v1 as the paper's headline figure by default: α = 1, 224×224, no convolution biases (BatchNorm
    follows each convolution), the fully connected layer's biases counted. engine.mobilenet_v1 refuses an α or
    a resolution it cannot build, naming the fix."""

    alpha: float = 1.0  # width multiplier: every layer gets α times as many channels (Table 6)
    resolution: int = 224  # the input is resolution × resolution × 3 (Table 7)
    bias: bool = False  # a bias in every convolution
    fc_bias: bool = True  # the fully connected layer's biases, one per class

    @property
    def described(self) -> str:
        return f"α = {self.alpha:g}, {self.resolution}×{self.resolution} input"


def networks(config: Config, separable: bool = True, fc_bias: bool | None = None) -> list[Layer]:
    """The configured network (or its standard-convolution twin, or the other fully-connected-bias choice)."""
    return engine.mobilenet_v1(config.alpha, config.resolution, separable=separable, bias=config.bias,
                               fc_bias=config.fc_bias if fc_bias is None else fc_bias)


def mult_adds_factor(config: Config = Config()) -> float:
    """How many times more mult-adds the network takes with standard 3×3 convolutions."""
    return (engine.network_totals(networks(config, separable=False)).multiplications
            / engine.network_totals(networks(config)).multiplications)


@dataclass(frozen=True)
class Totals:
    """One box of the totals row: its title and its numbers."""

    title: str
    metrics: tuple[Metric, ...]
    key: str  # the box's columns' key on the page


@dataclass(frozen=True)
class Lesson:
    config: Config
    layers: list[Layer]
    total: Cost
    standard_total: Cost
    factor: float  # standard ÷ separable mult-adds
    question: str  # predict: the 1×1 convolutions' share of the mult-adds, in per cent
    pointwise_percent: float
    explanation: str
    title: str
    totals: tuple[Totals, ...]  # this network, with standard convolutions, the factor between them
    comparison: str
    counting: str
    table_title: str
    table_text: str
    table: pd.DataFrame
    pool_help: str
    parameters_help: str
    csv: str
    csv_name: str
    per_layer_figure: go.Figure
    shares_title: str
    shares: pd.DataFrame
    shares_figure: go.Figure
    shares_text: str
    matrix_product_text: str  # why the 1×1 convolutions' share is good news for speed
    speed_text: str  # fewer computations, faster network?
    question_figure: go.Figure  # the layers' shapes (QUESTION_COLUMNS of the table): no mult-adds, no shares

    def code(self):
        """The network counted in Python, built in PyTorch and Keras (codegen), computed when shown."""
        config = self.config
        return codegen.mobilenet(config.alpha, config.resolution, config.bias, config.fc_bias,
                                 self.layers[-1].cost.out_shape[0])


def comparison_text(config: Config, total: Cost, standard_total: Cost, factor: float) -> str:
    """The factor, and the paper's figures for this network where it prints them."""
    paper = PAPER_TOTALS.get((config.alpha, config.resolution))
    checks = []
    if paper and not config.bias and config.fc_bias:
        paper_mult_adds, paper_params = paper
        source = "Table 6 prints" if config.resolution == 224 and config.alpha != 1.0 else \
            "Table 7 prints" if config.alpha == 1.0 and config.resolution != 224 else "Tables 6 and 7 print"
        checks.append(f"the paper's {source} **{paper_mult_adds} M** mult-adds and **{paper_params} M** parameters "
                      "for this network")
        if config == Config():
            standard_mult_adds, standard_params = PAPER_STANDARD
            off = abs(standard_total.multiplications / 1e6 - standard_mult_adds) / standard_mult_adds
            checks.append(f"its Table 4 prints **{standard_mult_adds:,} M** mult-adds and **{standard_params} M** "
                          f"parameters for the standard-convolution version (counted here: "
                          f"{viz.count(standard_total.multiplications)}, within {off:.2%})")
    elif paper:
        checks.append("the paper's figures count no convolution biases and include the fully connected layer's: "
                      "set the two boxes that way to compare")
    return (f"Replacing each depthwise separable pair by a standard 3×3 convolution with the same input and output "
            f"multiplies the work by **{factor:.1f}** (and the parameters by "
            f"{standard_total.params / total.params:.1f}). "
            + ("For comparison, " + "; ".join(checks) + "." if checks else ""))


def counting_text(config: Config) -> str:
    """The counting conventions, as the paper's, and where this configuration departs from them."""
    return ("Counting conventions, as in the paper: mult-adds = multiplications (one multiply-add each, padded zeros "
            "included); the convolution layers have no bias, since BatchNorm follows each of them"
            + (" (counted here anyway: the box is ticked)" if config.bias else "")
            + "; the fully connected layer has its bias"
            + ("" if config.fc_bias else " (left out here: the box is clear)")
            + "; average pooling is not counted in the mult-adds; BatchNorm and ReLU are not counted.")


def shares_table(config: Config, shares: dict) -> pd.DataFrame:
    """Each layer type's share of the mult-adds and of the parameters, beside Table 2's for the network it describes."""
    rows = []
    for kind in KINDS:
        mult_adds, params = shares[kind]
        row = {"type": kind, "share of the mult-adds": f"{mult_adds:.2%}", "share of the parameters": f"{params:.2%}"}
        if compares_with_table_2(config):
            row["Table 2: mult-adds"], row["Table 2: parameters"] = PAPER_SHARES[kind]
        rows.append(row)
    return pd.DataFrame(rows)


def compares_with_table_2(config: Config) -> bool:
    """Table 2 is for the full-size network without convolution biases."""
    return (config.alpha, config.resolution, config.bias) == (1.0, 224, False)


def shares_text(config: Config, layers: list[Layer], shares: dict) -> str:
    """Table 2 against the engine's shares: the printed typo, and the fully connected biases' part."""
    if not compares_with_table_2(config):
        return ("The paper's Table 2 is for the full-size network: α = 1, 224×224, no convolution biases. "
                "Choose those to compare it with the engine's shares.")
    printed_sum = sum(float(mult_adds.rstrip("%")) for mult_adds, _ in PAPER_SHARES.values())
    other = engine.shares_by_kind(networks(config, fc_bias=not config.fc_bias))
    moves = 100 * max(abs(shares[kind][1] - other[kind][1]) for kind in KINDS)
    classes = layers[-1].cost.out_shape[0]
    standard_share, _ = shares[STANDARD]
    return (
        f"The paper's Table 2 prints **{PAPER_SHARES[STANDARD][0]}** of the mult-adds for the standard 3×3 layer; "
        f"Table 1's own layer sizes give **{standard_share:.2%}**, the value that makes the column add up to 100% "
        f"(as printed it adds up to {printed_sum:.2f}%): the digits look swapped. Table 2's parameter shares come "
        f"out exactly when the fully connected layer's {classes:,} biases are left out"
        + (": they are left out now; tick *count the fully connected layer's biases* to see the shares with "
           f"them, which move by at most {moves:.2f} points." if not config.fc_bias else
           f"; with them counted (as now) the shares move by at most {moves:.2f} points. Clear *count "
           "the fully connected layer's biases* to see the exact match.")
    )


def build(config: Config) -> Lesson:
    """MobileNet v1 for this configuration: totals, the layer table, the shares, the figures and the text."""
    layers, standard_layers = networks(config), networks(config, separable=False)
    total, standard_total = engine.network_totals(layers), engine.network_totals(standard_layers)
    factor = standard_total.multiplications / total.multiplications
    shares = engine.shares_by_kind(layers)
    pointwise_share, _ = shares[POINTWISE]
    pointwise_layers = [layer for layer in layers if layer.kind == POINTWISE]
    pointwise_mult_adds = sum(layer.cost.multiplications for layer in pointwise_layers)
    counted = [layer for layer in layers if layer.kind != network_figures.POOL]
    kinds = Counter(layer.kind for layer in counted)
    pool = next(layer for layer in layers if layer.kind == network_figures.POOL)
    _, pool_height, pool_width = pool.in_shape
    table = network_figures.layer_table(layers)
    return Lesson(
        config=config, layers=layers, total=total, standard_total=standard_total, factor=factor,
        question=(f"MobileNet v1 with {config.described}: what share of all its mult-adds do the 1×1 (pointwise) "
                  "convolutions do, in per cent? Within ±5 points counts as right."),
        pointwise_percent=100 * pointwise_share,
        explanation=(
            f"The {len(pointwise_layers)} pointwise layers do {viz.count(pointwise_mult_adds)} of the network's "
            f"{viz.count(total.multiplications)} mult-adds (the average pool is left out, as in the paper): "
            f"{viz.count(pointwise_mult_adds)} ÷ {viz.count(total.multiplications)} = **{pointwise_share:.2%}**. "
            "The rest: " + ", ".join(f"{kind} {shares[kind][0]:.2%}" for kind in KINDS if kind != POINTWISE)
            + ". A 1×1 convolution multiplies N·C times at every pixel, and the layers near the end have hundreds of "
            "channels on each side; a depthwise 3×3 layer only 9·C."),
        title=f"MobileNet v1 ({config.described}): {millions(total.multiplications)} mult-adds",
        totals=(
            Totals("**MobileNet v1**: depthwise separable", (
                Metric("Mult-adds", millions(total.multiplications),
                       f"{viz.count(total.multiplications)} multiplications"),
                Metric("Parameters", millions(total.params, 1), f"{viz.count(total.params)} weights and biases"),
            ), "totals_mobilenet"),
            Totals("**The same with standard 3×3 convolutions**", (
                Metric("Mult-adds (standard)", millions(standard_total.multiplications),
                       f"{viz.count(standard_total.multiplications)}: every depthwise + pointwise pair replaced by one "
                       "standard 3×3 convolution with the same input and output"),
                Metric("Parameters (standard)", millions(standard_total.params, 1),
                       f"{viz.count(standard_total.params)} weights and biases"),
            ), "totals_standard"),
            Totals("**Factor**", (
                Metric("Fewer mult-adds", f"{factor:.1f}×",
                       f"{viz.count(standard_total.multiplications)} ÷ {viz.count(total.multiplications)} = "
                       f"{factor:.3f}"),
            ), "totals_factor"),
        ),
        comparison=comparison_text(config, total, standard_total, factor),
        counting=counting_text(config),
        table_title=f"Layer by layer: {len(layers)} rows",
        table_text=(f"{len(counted)} layers with weights, as the paper counts them ("
                    + ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS)
                    + "), plus the average pool, shown but left out of the totals. Shapes are written as the paper "
                    "writes them, height × width × channels."),
        table=table,
        pool_help=(f"The paper leaves the average pool's multiplications (one by 1/{pool_height * pool_width} per "
                   "channel) out of its mult-adds"),
        parameters_help="weights" + (" and biases" if config.bias or config.fc_bias else ""),
        csv=network_figures.layer_csv(layers),
        csv_name=f"mobilenet_v1_alpha{config.alpha:g}_{config.resolution}.csv",
        per_layer_figure=network_figures.layer_costs_figure(layers),
        shares_title=f"Shares by layer type: 1×1 convolutions do {pointwise_share:.0%} of the work",
        shares=shares_table(config, shares),
        shares_figure=network_figures.shares_figure(shares),
        shares_text=shares_text(config, layers, shares),
        matrix_product_text=(
            f"So nearly all of the work, {pointwise_share:.1%}, is in the 1×1 convolutions. That is good news for "
            "speed, the paper argues (section 3.2): a 1×1 convolution is a plain matrix product (as on the Pointwise "
            "page), which optimised matrix-multiply (GEMM) routines run fast without first rearranging the input in "
            "memory."),
        speed_text=(
            f"Counting says {factor:.1f}× fewer multiplications. Whether the network is that much faster depends on "
            "more than the count: memory traffic, how well each kind of layer maps onto the hardware, and the "
            "layers not counted here (BatchNorm, ReLU, pooling). A depthwise layer does few multiplications per "
            "value it reads, so it tends to run further below a processor's peak than a 1×1 convolution does. The "
            "mult-add count is the paper's measure of cost, and a good first guide; the clock is the final one."),
        question_figure=question_figures.table_figure(
            {column: list(table[column]) for column in QUESTION_COLUMNS},
            f"MobileNet v1, {config.described}: its {len(layers)} layers"),
    )
