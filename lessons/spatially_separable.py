"""Spatially separable convolution: a rank-1 kernel as a column pass then a row pass.

`Config` is what the page's controls choose, its defaults the lecture's example (the 3×3 Sobel
kernel [1, 2, 1]ᵀ × [1, 0, −1] on a 5×5 image: 81 multiplications against 45 + 27 = 72). `build`
returns everything the page shows: the kernel's verdict, the flip, the two routes' counts and one
animation of both (viz.synced), the low-rank terms, and what the real-image panel filters with;
`sections` (the lecture's path) and `after_image` (the side topics, under "Going further") say it all
as blocks (lessons.blocks) for the page to draw. No Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import codegen
import engine
import viz
from engine import ConvConfigError, ScanTrace
from viz import question as question_figures
from viz import separable as figures
from viz import style
from viz.synced import synced_figure

from .blocks import (ByWidth, Caption, Chart, Check, Columns, Formula, GoingFurther, Metric, Metrics, Notice, Section,
                     Text)
from .common import bmatrix, flip_effect, flip_explanation, padding_text
from .separable_image import ImageFilter

KERNELS = [*engine.SEPARABLE_PRESETS, "random", "custom"]
PADDINGS = ["0", "1", "2", "3", "valid", "same", "full"]
MOST_TERMS = engine.separable.MAX_KERNEL  # a kernel has at most min(kh, kw) separable terms
# The comparison's two layouts and their planned widths. Screens 1,600 px wide and more (a 1920 screen: a
# 1,460 px chart, 1,870 px in presenter mode) get every grid on one row, the full kernel beside the two passes;
# narrower ones (a 1280 laptop's 820 px chart, a 1280×720 projector's 1,217 px) get one input with the full
# kernel's route above the two passes'. Streamlit does not tell the server the screen's width: both are sent and
# a CSS rule shows one (lessons.blocks.ByWidth). (layout, planned width, room for titles larger than planned)
WIDE, NARROW = ("side", 1400, 1.6), ("cross", 900, 1.35)
# The kernels' grids' planned widths: the verdict's column (3/5 of a wide page) and the whole page, or presenter
# mode's 900 px page over its charts' 1.35 times larger numbers.
KERNELS_PX = {False: (800, 1400), True: (660, 660)}
CUSTOM_HELP = ('For example "1 2 1; 0 0 0; -1 -2 -1". At most 7×7, numbers 0 or between '
               f"{engine.separable.SMALLEST_VALUE:g} and {engine.separable.LARGEST_VALUE:,.0f} in size, digits 0-9.")
KERNEL_HELP = "Named kernels, a random one, or your own (choose custom)."
TERMS_HELP = "How many separable (rank-1) kernels to add up; at most the kernel's smaller side."
ROUNDING_NOISE = 1e-9  # an error below this times the kernel's largest value is rounding, written as 0

TITLE = "Spatially separable convolution"
ROUTES_TITLE = "Full kernel against two passes"
TERMS_TITLE = "Any kernel as a sum of separable kernels"
PER_PIXEL_TITLE = "Multiplications per output pixel"
SEPARABLE_CAPTION = "A kernel is separable exactly when only one singular value is non-zero (rank 1)."


@dataclass(frozen=True)
class Config:
    """One view of the page. Raises ConvConfigError for a kernel that cannot be read or an unknown
    operation; sizes the kernel does not fit are explained by `build` (the kernel's verdict still holds)."""

    kernel: str = KERNELS[0]  # a name of engine.SEPARABLE_PRESETS, "random" or "custom"
    random_size: int = 3  # the side of the "random" kernel
    custom: str = "1 2 1; 0 0 0; -1 -2 -1"  # the "custom" kernel's rows, split by ;
    operation: str = "correlation"  # or "convolution": the kernel turned by 180°
    height: int = 5
    width: int = 5
    pattern: str = "random integers"  # one of engine.INPUT_PATTERNS
    seed: int = 0
    stride: int = 1
    padding: int | str = 0  # zeros per side, or "valid", "same", "full"
    terms: int = 1  # separable terms to add up; at most the kernel's smaller side

    def __post_init__(self):
        engine.check_operation(self.operation)
        if self.pattern not in engine.INPUT_PATTERNS:
            raise ConvConfigError(f"input values {self.pattern!r} are not one of {', '.join(engine.INPUT_PATTERNS)}")
        if not 1 <= self.terms <= MOST_TERMS:
            raise ConvConfigError(f"separable terms must be from 1 to {MOST_TERMS}, got {self.terms}")
        self.kernel_values()

    def kernel_values(self) -> np.ndarray:
        """The kernel (kh, kw): typed, named, or random (seeded by `seed`)."""
        if self.kernel == "custom":
            return engine.parse_kernel(self.custom)
        return engine.separable_preset(self.kernel, seed=self.seed, size=self.random_size)


def _lecture_intro() -> str:
    lecture = Config()
    shape = (1, lecture.height, lecture.width)
    full = engine.standard_cost(shape, lecture.kernel_values().shape, 1)
    first, second = engine.separable_pass_costs(shape, lecture.kernel_values().shape)
    return ("Some kernels are an outer product of a column and a row, like the lecture's Sobel kernel "
            "[1, 2, 1]ᵀ × [1, 0, −1]. Then the 3×3 kernel can be replaced by a 3×1 pass followed by a 1×3 pass: "
            f"the same output with fewer multiplications ({full.multiplications} against {first.multiplications} + "
            f"{second.multiplications} = {first.multiplications + second.multiplications} on a "
            f"{lecture.height}×{lecture.width} image). Most kernels cannot be split like this; the rank of the "
            "kernel says which can.")


INTRO = _lecture_intro()


@dataclass(frozen=True)
class Question:
    """The predict-then-reveal question: its text, its (label, answer) fields and the worked answer."""

    text: str
    fields: list
    explanation: str


@dataclass(frozen=True)
class Verdict:
    """Can this kernel be split? The kernel beside its factors (or its best rank-1 kernel), and why."""

    kernels_figure: go.Figure
    singular_values_figure: go.Figure
    text: str  # markdown; for a separable kernel its column × row as display LaTeX, and what it stores

    def section(self) -> Section:
        """The kernel and the verdict beside the singular values."""
        sides = ((Chart(self.kernels_figure, "kernels"), Text(self.text)),
                 (Chart(self.singular_values_figure, "singular"), Caption(SEPARABLE_CAPTION)))
        return Section("Can this kernel be split?", (Columns(sides, key="verdict", spec=(3, 2), gap="large"),))


@dataclass(frozen=True)
class Flip:
    """Convolution: the kernel and its factors as given and as used, turned by 180°."""

    explanation: str  # markdown
    given_latex: str
    used_latex: str
    side_by_side: bool  # a kernel and its factors fit in half the width
    captions: list

    def section(self) -> Section:
        formulas = Columns(((Formula(self.given_latex),), (Formula(self.used_latex),)), key="flip", min_rem=22,
                           stacked=not self.side_by_side)
        return Section("Convolution: the kernel turned by 180°",
                       (Notice(self.explanation, icon="flip"), formulas, *map(Caption, self.captions)))


@dataclass(frozen=True)
class Routes:
    """The full kernel against the two passes: counts, whether the outputs agree, their scans (the engine's
    traces) and one animation of both, in step."""

    full_cost: engine.Cost
    first_cost: engine.Cost
    second_cost: engine.Cost
    metrics: list
    counts: str  # markdown
    agree: bool  # the two routes give the same output (up to rounding)
    agreement: str  # markdown: how far apart the outputs are
    full: ScanTrace
    first: ScanTrace
    second: ScanTrace
    figure: go.Figure  # viz.synced: both routes, one Play; a wide screen's layout, the routes side by side
    timeline: str  # markdown: how the animation's steps are shared
    stacked: go.Figure | None = None  # the same for narrower screens, the full kernel's route above the passes'

    @property
    def figures(self) -> tuple:
        """The wide layout, then the narrow one."""
        return self.figure, self.stacked

    @property
    def two_pass_multiplications(self) -> int:
        return self.first_cost.multiplications + self.second_cost.multiplications

    def section(self) -> Section:
        """The four counts (two a row where narrow), how they are made, whether the outputs agree, and both
        routes in one animation (drawn under "scan": ?step= in a link)."""
        return Section(ROUTES_TITLE, (Metrics(tuple(self.metrics), key="route_costs", min_rem=14), Text(self.counts),
                                      Check(self.agreement, self.agree, failure="warning"), Text(self.timeline),
                                      ByWidth((Chart(self.figure, "scan"),), (Chart(self.stacked, "scan__narrow"),),
                                              key="routes")))


@dataclass(frozen=True)
class Terms:
    """The kernel as a sum of its first r separable terms, and the error and cost of each r."""

    used: int  # r, clamped to the kernel's smaller side
    errors: list  # Frobenius error keeping 1, 2, ... terms
    note: str | None  # the clamp, said
    text: str  # markdown
    kernels_figure: go.Figure
    errors_figure: go.Figure

    def section(self) -> Section:
        return Section(TERMS_TITLE, (
            Caption(self.note) if self.note else None, Text(self.text), Chart(self.kernels_figure, "terms"),
            Chart(self.errors_figure, "errors")))


@dataclass(frozen=True)
class Lesson:
    config: Config
    kernel: np.ndarray
    rank: int
    col: np.ndarray  # the factors, or the best rank-1 kernel's
    row: np.ndarray
    exact: bool  # the kernel is outer(col, row)
    verdict: Verdict
    flip: Flip | None  # only for convolution
    question: Question | None  # None when the sizes are impossible
    question_figure: go.Figure | None  # what the question gives: the input, the kernel, its column and row
    routes: Routes | None  # None when the sizes are impossible; then `error` says why, in the routes' section
    error: ConvConfigError | None
    terms: Terms | None
    image_filter: ImageFilter
    per_pixel_figure: go.Figure
    per_pixel_caption: str = ("A full k×k kernel multiplies k² times per output pixel; the two passes k + k = 2k "
                              "times (slightly more in pass 1, which also runs over the rows the second pass drops).")

    @property
    def sections(self) -> tuple:
        """The lecture's path, shown above the real-image panel: the verdict, the flip (for convolution), the
        two routes. For sizes the kernel does not fit, the routes' section says why (`error`) and the rest of
        the page is drawn as usual."""
        routes = self.routes.section() if self.routes else Section(ROUTES_TITLE, (
            Notice(f"**The two routes cannot be computed here.** {markdown_plain(str(self.error))}. The verdict "
                   "above, the real image below and the side topics under Going further do not need this input.",
                   icon="error", warning=True),))
        return self.verdict.section(), self.flip.section() if self.flip else None, routes

    @property
    def after_image(self) -> tuple:
        """Below the real-image panel: the side topics, folded under "Going further"."""
        return (GoingFurther(sections=(
            self.terms.section(),
            Section(PER_PIXEL_TITLE, (Chart(self.per_pixel_figure, "per_pixel"), Caption(self.per_pixel_caption))))),)

    @property
    def code_caption(self) -> str:
        return ("The two passes as code to copy (the button at a block's top right): the NumPy code computes the "
                "two-pass output above; the PyTorch and Keras code defines the two layers." + (
                    "" if self.exact else " This kernel is not separable, so the column and the row are those of "
                                          "the best rank-1 kernel."))

    def code(self):
        """This configuration in NumPy, PyTorch and Keras (codegen's snippets), built when asked for."""
        config = self.config
        x = engine.input_pattern(config.pattern, 1, config.height, config.width, config.seed)[0]
        return codegen.spatially_separable(x, self.col, self.row, config.stride, config.padding, config.operation,
                                           self.exact)


def markdown_plain(text: str) -> str:
    """An engine message as plain text in markdown: its markdown characters escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|$~" else ch for ch in text)


def pass_traces(x, kernel, col, row, stride=1, padding=0, operation="correlation"):
    """The scans of both routes over x (1, H, W): (the full kernel, pass 1 with the kh×1 column, pass 2 with the
    1×kw row over pass 1's output), as engine.two_pass_conv2d computes them."""
    full = engine.scan_trace(x, engine.kernel_as_used(kernel, operation)[None, None], stride, padding)
    return (full, *engine.two_pass_trace(x, col, row, stride, padding, operation=operation))


def _verdict(kernel, rank, col, row, exact, low_rank, presenter=False) -> Verdict:
    kh, kw = kernel.shape
    width = KERNELS_PX[presenter][0]
    if exact:
        shown = figures.kernels_figure([kernel, col[:, None], row[None, :]],
                                       [f"kernel {kh}×{kw}", f"column {kh}×1", f"row 1×{kw}"], width)
    else:
        shown = figures.kernels_figure([kernel, np.outer(col, row)], ["kernel", "best rank-1 kernel"], width)
    singular = figures.singular_values_figure(low_rank.singular_values)
    if exact and rank > 0:
        return Verdict(shown, singular, (
            "**Rank 1: separable.** The kernel is the outer product of a column and a row:\n\n"
            f"$$\n{bmatrix(col[:, None])} \\times {bmatrix(row[None, :])}\n$$\n\n"
            f"It stores {kh} + {kw} = **{kh + kw}** numbers instead of {kh} × {kw} = **{kh * kw}**."))
    if rank == 0:
        return Verdict(shown, singular, "**All zeros:** trivially separable, and it outputs zeros.")
    return Verdict(shown, singular, (
        f"**Rank {rank}: not separable.** No column × row gives this kernel exactly. The best a single column × row "
        "can do (the largest singular value's term) leaves an error of "
        f"**{style.numbers([low_rank.error(kernel, 1)], 3)[0]}** (Frobenius norm). The two passes below use that best "
        "rank-1 kernel, so their output differs from the full kernel's."))


def _flip(kernel, col, row, exact) -> Flip:
    relation = "=" if exact else r"\approx"
    used = engine.flip_kernel(kernel)
    given = rf"\underset{{\text{{as given}}}}{{{bmatrix(kernel)}}} {relation} {bmatrix(col[:, None])} \times " \
            rf"{bmatrix(row[None, :])}"
    turned = rf"\underset{{\text{{as used: turned }}180^\circ}}{{{bmatrix(used)}}} {relation} " \
             rf"{bmatrix(col[::-1, None])} \times {bmatrix(row[None, ::-1])}"
    captions = ([] if exact else ["Not rank 1: the factors are the best rank-1 kernel's, reversed for the two passes."])
    return Flip(flip_explanation("Turning an outer product by 180° reverses its column and its row, so the two "
                                 "passes below use both factors reversed. "),
                given, turned, kernel.shape[1] <= 3, [*captions, flip_effect(kernel)])


def _question(config, kernel_shape, full, first, second) -> Question:
    kh, kw = kernel_shape
    total = first.multiplications + second.multiplications
    return Question(
        f"A {config.height}×{config.width} input, stride {config.stride}, {padding_text(config.padding)}. How many "
        f"multiplications does the full {kh}×{kw} kernel take, and how many the two passes together (a {kh}×1 column "
        f"pass, then a 1×{kw} row pass)?",
        [(f"Full {kh}×{kw} kernel", full.multiplications), ("Two passes in all", total)],
        f"**Full kernel:** {full.out_shape[1]}×{full.out_shape[2]} positions × {kh}·{kw} = {kh * kw} multiplications "
        f"each = **{viz.count(full.multiplications)}**.  \n"
        f"**Two passes:** (kh × positions of pass 1) + (kw × positions of pass 2) = {kh} × ({first.out_shape[1]}×"
        f"{first.out_shape[2]}) + {kw} × ({second.out_shape[1]}×{second.out_shape[2]}) = "
        f"{viz.count(first.multiplications)} + {viz.count(second.multiplications)} = **{viz.count(total)}**. Pass 1 "
        f"keeps all {config.width} columns of the input (only the rows change); pass 2 then makes the final "
        f"{second.out_shape[1]}×{second.out_shape[2]} map.")


def _question_figure(config, kernel, col, row, exact) -> go.Figure:
    """The input with its zero padding, the kernel and the column and row the two passes use (the best rank-1
    kernel's when it is not separable): what the question about the two routes' counts gives, without a count."""
    (kh, kw), best = kernel.shape, "" if exact else "best rank-1 "
    x = engine.input_pattern(config.pattern, 1, config.height, config.width, config.seed)[0]
    pads = engine.plan(x.shape, kernel.shape, config.stride, config.padding).pads
    Block = question_figures.Block
    return question_figures.question_figure([
        Block(f"<b>input</b><br>{config.height}×{config.width}", x.shape, x, pads, name="input"),
        Block(f"<b>kernel</b><br>{kh}×{kw}", kernel.shape, kernel, name="kernel"),
        Block(f"<b>{best}column</b><br>{kh}×1", (kh, 1), col[:, None], name="column"),
        Block(f"<b>{best}row</b><br>1×{kw}", (1, kw), row[None, :], name="row"),
    ], f"stride {config.stride} · {padding_text(config.padding)}")


def _agreement(kernel, col, row, exact, full: ScanTrace, second: ScanTrace) -> tuple[bool, str]:
    difference = float(np.abs(full.output - second.output).max())
    relative = engine.relative_difference(full.output, second.output, full.padded, kernel)
    measured = (f"the largest difference is {difference:.3g}, {relative:.2g} of the largest value an output can "
                "reach (|input| × Σ|kernel|)")
    if exact and difference == 0:
        return True, "Same output by both routes, to the last digit."
    if exact and relative <= engine.separable.ROUNDING:
        return True, f"Same output by both routes: {measured}, rounding in floating point."
    if exact:
        reproduced = float(np.abs(np.outer(col, row) - kernel).max() / np.abs(kernel).max())
        return False, (f"The two passes differ from the full kernel by more than rounding: {measured}. The column × "
                       f"row reproduces the kernel only to within {reproduced:.2g} of its largest value.")
    return False, f"The two passes use the best rank-1 kernel, so the outputs differ: {measured}."


def _routes(config, kernel, col, row, exact, full_cost, first_cost, second_cost, frame_ms) -> Routes:
    kh, kw = kernel.shape
    x = engine.input_pattern(config.pattern, 1, config.height, config.width, config.seed)
    full, first, second = pass_traces(x, kernel, col, row, config.stride, config.padding, config.operation)
    total = first_cost.multiplications + second_cost.multiplications
    saved = full_cost.multiplications - total
    metrics = [Metric(f"Full {kh}×{kw} kernel", viz.count(full_cost.multiplications), "multiplications"),
               Metric(f"Pass 1: {kh}×1", viz.count(first_cost.multiplications), "multiplications"),
               Metric(f"Pass 2: 1×{kw}", viz.count(second_cost.multiplications), "multiplications"),
               Metric("Two passes in all", viz.count(total), "multiplications; fewer is better",
                      f"{-saved:,} against the full kernel")]
    (top, bottom), (left, right) = full.pads
    counts = (f"Full: {full_cost.out_shape[1]}×{full_cost.out_shape[2]} positions × {kh * kw} multiplications = "
              f"**{viz.count(full_cost.multiplications)}**. Two passes: {first_cost.out_shape[1]}×"
              f"{first_cost.out_shape[2]} positions × {kh} + {second_cost.out_shape[1]}×{second_cost.out_shape[2]} "
              f"positions × {kw} = {viz.count(first_cost.multiplications)} + {viz.count(second_cost.multiplications)} "
              f"= **{viz.count(total)}**.")
    if top or bottom or left or right:
        counts += (f" Padding: pass 1 adds {top} row(s) above and {bottom} below; pass 2 adds {left} column(s) on the "
                   f"left and {right} on the right, exactly what the full kernel pads.")
    agree, agreement = _agreement(kernel, col, row, exact, full, second)
    wide, narrow = (synced_figure(full, first, second, frame_ms=frame_ms, width_px=width_px, layout=layout,
                                  flipped=config.operation == "convolution", title_scale=title_scale)
                    for layout, width_px, title_scale in (WIDE, NARROW))
    steps = first.steps + second.steps
    timeline = (f"**Both routes in one animation.** A step is one position of the two passes ({first.steps} of "
                f"pass 1, then {second.steps} of pass 2: {steps} steps); the full kernel's {full.steps} positions are "
                f"spread evenly over them, so both routes start on step 1 and finish on step {steps}. The counter "
                "above the grids adds up what each route has multiplied so far.")
    return Routes(full_cost, first_cost, second_cost, metrics, counts, agree, agreement, full, first, second,
                  wide, timeline, narrow)


def _terms(config, kernel, low_rank, full_cost=None, two_pass=None, presenter=False) -> Terms:
    """The low-rank terms; without the costs (an input the kernel does not fit), without what they cost."""
    kh, kw = kernel.shape
    most = min(kh, kw)
    used = min(config.terms, most)
    note = f"A {kh}×{kw} kernel has at most {most} terms, so r = {most} is used." if config.terms > most else None
    noise = ROUNDING_NOISE * float(np.abs(kernel).max())
    errors = [low_rank.error(kernel, r) for r in range(1, most + 1)]
    errors = [0.0 if error < noise else error for error in errors]
    costs = (f", and costs r two-pass convolutions: {used} × {viz.count(two_pass)} = **{viz.count(used * two_pass)}** "
             f"multiplications against **{viz.count(full_cost.multiplications)}** for the full kernel" if full_cost
             else " (what the terms cost needs an input the kernel fits)")
    text = (f"The singular value decomposition writes the kernel as a sum of {most} separable kernels, largest first. "
            f"Keeping the first **r = {used}** leaves an error of **{style.numbers([errors[used - 1]], 3)[0]}**{costs}. "
            "Low-rank filter approximations (Jaderberg et al. 2014) use exactly this to speed up trained networks.")
    shown = [np.outer(low_rank.cols[i], low_rank.rows[i]) for i in range(used)]
    kernels = figures.kernels_figure([kernel, *shown, low_rank.approximation(used)],
                                     ["kernel", *[f"term {i + 1}" for i in range(used)], f"sum of {used}"],
                                     KERNELS_PX[presenter][1])
    errors_figure = figures.error_by_rank_figure(errors, full_cost.multiplications if full_cost else None,
                                                 [r * two_pass for r in range(1, most + 1)] if full_cost else None, used,
                                                 rank=engine.kernel_rank(kernel))
    return Terms(used, errors, note, text, kernels, errors_figure)


def build(config: Config, frame_ms: int = 800, presenter: bool = False) -> Lesson:
    """Everything the page shows for `config`; the scans play a step every `frame_ms` and are sized for
    presenter mode when `presenter`. An input the kernel does not fit leaves `routes`, `question` and
    `terms` None and says why in `error`."""
    kernel = config.kernel_values()
    rank = engine.kernel_rank(kernel)
    low_rank = engine.low_rank(kernel)
    factors = engine.separable_factors(kernel)
    exact = factors is not None
    col, row = factors if exact else (low_rank.cols[0], low_rank.rows[0])
    shape = (1, config.height, config.width)
    try:
        full_cost = engine.standard_cost(shape, kernel.shape, 1, config.stride, config.padding)
        first_cost, second_cost = engine.separable_pass_costs(shape, kernel.shape, config.stride, config.padding)
    except ConvConfigError as error:
        question = routes = shown_question = None
        problem = error
        terms = _terms(config, kernel, low_rank, presenter=presenter)
    else:
        problem = None
        question = _question(config, kernel.shape, full_cost, first_cost, second_cost)
        shown_question = _question_figure(config, kernel, col, row, exact)
        routes = _routes(config, kernel, col, row, exact, full_cost, first_cost, second_cost, frame_ms)
        terms = _terms(config, kernel, low_rank, full_cost, routes.two_pass_multiplications, presenter)
    return Lesson(
        config=config, kernel=kernel, rank=rank, col=col, row=row, exact=exact,
        verdict=_verdict(kernel, rank, col, row, exact, low_rank, presenter),
        flip=_flip(kernel, col, row, exact) if config.operation == "convolution" else None,
        question=question, question_figure=shown_question, routes=routes, error=problem, terms=terms,
        image_filter=ImageFilter.of(kernel, col, row, config.stride, config.padding, config.operation),
        per_pixel_figure=figures.cost_per_pixel_figure(*kernel.shape))
