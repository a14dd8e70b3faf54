"""Measured time: fewer multiplications, but how much faster? The counted work of a layer (multiplications,
bytes moved, arithmetic intensity) beside its measured time on the machine serving the app, the roofline
of that machine, and MobileNet v1's share of the count against its share of the clock. No Streamlit.

What is measured, and when, is `jobs(config)` (run by lessons.bench, one request at a time); `build`
turns the counts and whatever has been measured so far into the page's blocks, so a page can show the
counts at once and the times as they come, and the tests can hand it made-up times.
"""

from __future__ import annotations

import datetime
import functools
import math
import os
import platform
import time
from dataclasses import dataclass

import numpy as np

import engine
import viz
from engine import memory, timing
from engine.memory import Roofline
from engine.timing import NUMPY, PYTORCH
from viz import roofline as figures
from viz.network import COLOURS, paper_shape

from .blocks import Caption, Chart, Columns, GoingFurther, Metric, Metrics, Notice, Section, Text

INTRO = (
    "The lecture stops at multiplication counts: a depthwise separable layer needs 8 to 9 times fewer than a "
    "standard one. Is it 8 to 9 times faster? Here the same layers are timed on the machine serving this app, "
    "beside what a count leaves out: the bytes a layer moves. A depthwise layer does little arithmetic per byte, "
    "so memory, not multiplication, often bounds it (the roofline model, Williams, Waterman & Patterson 2009; "
    "ShuffleNet V2, Ma et al. 2018)."
)
CUSTOM = "custom (use the sliders)"
MAX_MEASURED = 500_000_000  # standard multiplications of the largest layer this page times (< 0.1 s a call here)
NETWORK_REPEATS = 3  # MobileNet's 28 layers, in two frameworks: fewer repeats each


@dataclass(frozen=True)
class LayerSpec:
    """A layer as this page compares it: a standard k×k convolution with N kernels over an H×H×C input,
    against depthwise k×k then pointwise 1×1 with the same input and output."""

    channels: int
    size: int  # height = width
    kernel: int
    kernels: int
    stride: int = 1
    padding: int = 0

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return self.channels, self.size, self.size

    @property
    def described(self) -> str:
        out = self.cost("standard").out_shape
        return (f"{self.size}×{self.size}×{self.channels} input, {self.kernel}×{self.kernel} kernels, "
                f"{self.kernels} output channels → {paper_shape(out)} output")

    def cost(self, stage: str) -> engine.Cost:
        if stage == "standard":
            return engine.standard_cost(self.in_shape, self.kernel, self.kernels, self.stride, self.padding)
        depthwise = engine.depthwise_cost(self.in_shape, self.kernel, 1, self.stride, self.padding)
        if stage == "depthwise":
            return depthwise
        pointwise = engine.pointwise_cost(depthwise.out_shape, self.kernels)
        return pointwise if stage == "pointwise" else depthwise + pointwise

    def traffic(self, stage: str) -> memory.Traffic:
        if stage == "standard":
            return memory.standard_traffic(self.in_shape, self.kernel, self.kernels, self.stride, self.padding)
        if stage == "depthwise":
            return memory.depthwise_traffic(self.in_shape, self.kernel, 1, self.stride, self.padding)
        if stage == "pointwise":
            return memory.pointwise_traffic(self.cost("depthwise").out_shape, self.kernels)
        return memory.depthwise_separable_traffic(self.in_shape, self.kernel, self.kernels, self.stride, self.padding)


def mobilenet_pairs() -> dict[str, LayerSpec]:
    """MobileNet v1's 13 depthwise separable pairs (α = 1, 224×224), "same" padding written as 1."""
    layers = engine.mobilenet_v1()
    pairs = {}
    for depthwise, pointwise in zip(layers[1:-2:2], layers[2:-2:2]):
        c, h, _ = depthwise.in_shape
        spec = LayerSpec(c, h, 3, pointwise.cost.out_shape[0], depthwise.stride, 1)
        number = depthwise.name.split()[-1]
        pairs[f"MobileNet v1 pair {number}: {h}×{h}×{c} → {paper_shape(pointwise.cost.out_shape)}"] = spec
    return pairs


EXAMPLES = {
    "lecture: 7×7×3, 3×3 kernels, 128 of them": LayerSpec(3, 7, 3, 128),
    "lecture: 12×12×3, 5×5 kernels, 256 of them": LayerSpec(3, 12, 5, 256),
    **mobilenet_pairs(),
}
LAYERS = (*EXAMPLES, CUSTOM)
STAGES = {"standard": "standard", "depthwise": "depthwise", "pointwise": "pointwise",
          "separable": "depthwise + pointwise"}  # engine.timing's stage -> as the page writes it


@dataclass(frozen=True)
class Config:
    """The lecture's first example by default; the sliders' values count only for the custom layer."""

    layer: str = LAYERS[0]
    channels: int = 3
    size: int = 7
    kernel: int = 3
    kernels: int = 128
    stride: int = 1

    @property
    def spec(self) -> LayerSpec:
        """The layer; a custom one the engine cannot compute raises ConvConfigError with the fix."""
        if self.layer == CUSTOM:
            spec = LayerSpec(self.channels, self.size, self.kernel, self.kernels, self.stride)
            spec.cost("standard")  # the engine names what is wrong, and the fix
            return spec
        return EXAMPLES[self.layer]

    @property
    def measurable(self) -> bool:
        return self.spec.cost("standard").multiplications <= MAX_MEASURED


# ---- what is measured ------------------------------------------------------------------------------

MACHINE = ("machine", "peak"), ("machine", "bandwidth")  # the peak of NumPy's matrix product; PyTorch's is
# ("machine", "peak", "PyTorch"): the roof is the faster of the two


def peak_key(framework: str) -> tuple:
    return MACHINE[0] if framework == NUMPY else (*MACHINE[0], framework)


def frameworks() -> tuple[str, ...]:
    """The frameworks timed: PyTorch where it is installed (found, not imported: the worker imports it)."""
    return (NUMPY, PYTORCH) if timing.torch_version() is not None else (NUMPY,)


def layer_key(spec: LayerSpec, framework: str, stage: str) -> tuple:
    return ("layer", spec, framework, stage)


def network_key(name: str, framework: str) -> tuple:
    return ("network", name, framework)


def network_layers() -> list[engine.Layer]:
    return [layer for layer in engine.mobilenet_v1() if layer.kind != "average pool"]


def job_keys(config: Config, available: tuple[str, ...]) -> list[tuple]:
    """What the page measures, in order: the machine's two roofs, this layer's stages in each framework, then
    MobileNet v1 layer by layer. Each key says all there is to measure, so a worker process can measure it."""
    keys = [peak_key(framework) for framework in available] + [MACHINE[1]]
    if config.measurable:
        keys += [layer_key(config.spec, framework, stage) for framework in available for stage in STAGES]
    keys += [network_key(layer.name, framework) for framework in available for layer in network_layers()]
    return keys


def measure_key(key: tuple, clock=time.perf_counter, deadline: float = math.inf):
    """Measure what a key names (a roof's (rate, Timing), or a Timing), repeating until `deadline`."""
    if key[:2] == MACHINE[0]:
        return timing.peak_rate(clock, deadline, framework=key[2] if len(key) > 2 else NUMPY)
    if key == MACHINE[1]:
        return timing.copy_bandwidth(clock, deadline)
    if key[0] == "layer":
        _, spec, framework, stage = key
        data = timing.layer_data(spec.in_shape, spec.kernel, spec.kernels, spec.stride, spec.padding)
        return timing.time_call(timing.stage_call(framework, data, stage), clock, deadline)
    if key[0] == "network":
        _, name, framework = key
        layer = next(layer for layer in network_layers() if layer.name == name)
        return timing.time_call(timing.network_layer_call(layer, framework), clock, deadline, repeats=NETWORK_REPEATS)
    raise ValueError(f"nothing to measure for {key!r}")


def jobs(config: Config, available: tuple[str, ...], measure=measure_key) -> list[tuple]:
    """[(key, measure(clock, deadline))] for lessons.bench: measured here by default, or by `measure(key, clock,
    deadline)`, a worker process's (lessons.bench.Worker.measure)."""
    return [(key, functools.partial(measure, key)) for key in job_keys(config, available)]


# ---- what the page shows ---------------------------------------------------------------------------

COUNTING = ("Counted as on every page: a multiplication is one multiply-add, padded zeros included. Bytes moved "
            "at float32 (4 bytes a value), each stage reading its input and its weights once and writing its "
            "output once; between the two stages of the separable layer the depthwise maps are written and read "
            "again (the intermediate column). Arithmetic intensity = multiplications ÷ bytes moved.")
HONEST = ("A GPU, a phone or another processor gives other times and other ratios: these are this machine's, "
          "measured now, not a universal truth.")


def count_table(spec: LayerSpec) -> str:
    """The counts of the layer's stages as a markdown table."""
    rows = ["| | multiplications | input | weights | output | intermediate | total bytes | mult-adds per byte |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for stage, label in STAGES.items():
        cost, moved = spec.cost(stage), spec.traffic(stage)
        bold = "**" if stage in ("standard", "separable") else ""
        rows.append(f"| {bold}{label}{bold} | {viz.count(cost.multiplications)} | {viz.count(moved.input)} | "
                    f"{viz.count(moved.weights)} | {viz.count(moved.output)} | {viz.count(moved.intermediate)} | "
                    f"{viz.count(moved.total)} | "
                    f"{memory.arithmetic_intensity(cost.multiplications, moved.total):.2f} |")
    return "\n".join(rows)


def counts_section(spec: LayerSpec) -> Section:
    standard, separable = spec.cost("standard"), spec.cost("separable")
    moved_standard, moved_separable = spec.traffic("standard"), spec.traffic("separable")
    ratio = standard.multiplications / separable.multiplications
    return Section("Counted work", (
        Text(f"**{spec.described}**, the standard layer against depthwise + pointwise. The table's columns from "
             "input to total are bytes moved, at float32."),
        Metrics((
            Metric("Multiplications: standard", viz.count(standard.multiplications)),
            Metric("Multiplications: separable", viz.count(separable.multiplications)),
            Metric("Counted ratio", f"{ratio:.1f}×", f"{viz.count(standard.multiplications)} ÷ "
                   f"{viz.count(separable.multiplications)}"),
            Metric("Bytes moved: standard", viz.count(moved_standard.total)),
            Metric("Bytes moved: separable", viz.count(moved_separable.total)),
        ), "counts", 12),
        Text(count_table(spec)),
        Caption(COUNTING),
    ))


@dataclass(frozen=True)
class Results:
    """What has been measured for a page, as (key, lessons.bench.Measured) pairs: hashable, so a page can
    cache what it builds from them."""

    pairs: tuple = ()

    def get(self, key):
        return next((measured for k, measured in self.pairs if k == key), None)

    def value(self, key):
        found = self.get(key)
        return None if found is None else found.value


def peaks(results: Results, available) -> dict:
    """{framework: (rate, Timing)} of the matrix products measured."""
    return {f: found for f in available if (found := results.value(peak_key(f))) is not None}


def roofline_of(results: Results, available=(NUMPY, PYTORCH)) -> Roofline | None:
    """The faster matrix product's rate and the copy's bandwidth, once both are measured."""
    rates, bandwidth = peaks(results, available), results.value(MACHINE[1])
    if not rates or bandwidth is None:
        return None
    return Roofline(max(rate for rate, _ in rates.values()), bandwidth[0])


def layer_timings(spec: LayerSpec, results: Results, available) -> dict:
    """{framework: {stage label: Timing}} for what has been measured."""
    found = {}
    for framework in available:
        by_stage = {label: results.value(layer_key(spec, framework, stage)) for stage, label in STAGES.items()}
        by_stage = {label: t for label, t in by_stage.items() if t is not None}
        if by_stage:
            found[framework] = by_stage
    return found


def measured_metrics(timings: dict, counted: float) -> list[Metric]:
    metrics = []
    for framework, by_stage in timings.items():
        if STAGES["standard"] in by_stage and STAGES["separable"] in by_stage:
            a, b = by_stage[STAGES["standard"]], by_stage[STAGES["separable"]]
            metrics += [Metric(f"{framework}: standard", figures.microseconds(a.median)),
                        Metric(f"{framework}: separable", figures.microseconds(b.median)),
                        Metric(f"{framework}: measured ratio", f"{a.median / b.median:.1f}×",
                               f"{figures.microseconds(a.median)} ÷ {figures.microseconds(b.median)}, medians; "
                               f"counted: {counted:.1f}×")]
    return metrics


def measured_section(spec: LayerSpec, results: Results, available, measurable: bool) -> Section:
    """The layer's times beside its counted ratio, the machine's roofs, the times and the roofline charts."""
    standard, separable = spec.cost("standard"), spec.cost("separable")
    counted = standard.multiplications / separable.multiplications
    if not measurable:
        return Section("Measured time", (Notice(
            f"This layer needs {viz.count(standard.multiplications)} multiplications in its standard form, more "
            f"than the {viz.count(MAX_MEASURED)} this page times on a shared server (each request measures for "
            "at most 2 s). Choose smaller sizes to time it.", icon="timer_off", warning=True),))
    timings = layer_timings(spec, results, available)
    metrics = measured_metrics(timings, counted)
    if not metrics:
        return Section("Measured time", (Notice("Not measured yet: the times appear as soon as they are.",
                                                icon="hourglass_top"),))
    missing = "" if PYTORCH in available else (" PyTorch is not installed on this server, so only the engine's "
                                               "NumPy routes ran; the app does not need it.")
    times = Chart(figures.times_figure(list(STAGES.values()), timings), "times")
    roofline = roofline_blocks(spec, results, available)
    return Section("Measured time", (
        Text(f"Timed here: **{', '.join(timings)}**. NumPy runs the engine's own routes (`conv2d`; "
             "`depthwise_conv2d` then `pointwise_conv2d`), PyTorch its CPU kernels (`conv2d`, `groups=C` for the "
             f"depthwise stage), one image at a time. **Counted ratio {counted:.1f}×** against the measured "
             "ones:" + missing),
        Metrics(tuple(metrics), "measured", 12),
        *(roofline[:-1] if roofline else ()),
        Columns(((times,), (roofline[-1],)), "charts", (2, 3), 28) if roofline else times,
    ))


def timing_table(timings: dict) -> str:
    rows = ["| | | median | fastest | slowest | repeats × calls |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for framework, by_stage in timings.items():
        for label, t in by_stage.items():
            rows.append(f"| {framework} | {label} | **{figures.microseconds(t.median)}** | "
                        f"{figures.microseconds(t.fastest)} | {figures.microseconds(t.slowest)} | "
                        f"{t.repeats} × {t.calls} |")
    return "\n".join(rows)


def roofline_points(spec: LayerSpec, results: Results, available) -> list[dict]:
    points = []
    for framework in available:
        for stage in ("standard", "depthwise", "pointwise"):
            t = results.value(layer_key(spec, framework, stage))
            if t is None:
                continue
            cost, moved = spec.cost(stage), spec.traffic(stage)
            points.append(dict(name=f"{STAGES[stage]} ({framework})", group=f"this layer, {framework}",
                               intensity=memory.arithmetic_intensity(cost.multiplications, moved.total),
                               multiplications=cost.multiplications, seconds=t.median,
                               colour=figures.FRAMEWORK_COLOURS[framework], symbol=figures.STAGE_SYMBOLS[stage]))
    return points


def network_points(results: Results, available) -> list[dict]:
    """MobileNet v1's layers on the roofline, measured with one framework (PyTorch's kernels where it ran)."""
    for framework in sorted(available, key=lambda f: f != PYTORCH):
        found = [(layer, results.value(network_key(layer.name, framework))) for layer in network_layers()]
        if all(t is not None for _, t in found):
            return [dict(name=layer.name, kind=layer.kind, group=framework, seconds=t.median,
                         multiplications=layer.cost.multiplications,
                         intensity=memory.arithmetic_intensity(layer.cost.multiplications, network_traffic(layer).total))
                    for layer, t in found]
    return []


def network_traffic(layer: engine.Layer) -> memory.Traffic:
    """The bytes a MobileNet layer moves (the fully connected layer's input as a 1×1×C volume)."""
    shape = layer.in_shape if len(layer.in_shape) == 3 else (layer.in_shape[0], 1, 1)
    return memory.layer_traffic(shape, layer.cost)


def roofline_blocks(spec: LayerSpec, results: Results, available) -> tuple | None:
    """The roofs (text and metrics) and the roofline chart (last), once the roofs are measured."""
    roof = roofline_of(results, available)
    if roof is None:
        return None
    products = peaks(results, available)
    measured_products = "; ".join(f"{framework} {rate / 1e9:.1f}" for framework, (rate, _) in products.items())
    return (
        Text(f"**The roofline of this machine.** Peak: a {timing.MATMUL_SIZE}×{timing.MATMUL_SIZE} float32 matrix "
             f"product, the faster of {' and '.join(products)} ({measured_products} G mult-adds/s, each its fastest "
             f"repeat). Bandwidth: a {timing.COPY_BYTES // 2**20} MiB copy, read and written. A layer of intensity I "
             "runs at most min(peak, I × bandwidth) mult-adds per second. Hollow markers: where that puts each stage "
             "of this layer; filled: where its measured time does; small: MobileNet v1's layers, measured."),
        Metrics((
            Metric("Peak (matrix product)", f"{roof.peak / 1e9:.1f} G mult-adds/s"),
            Metric("Bandwidth (copy)", f"{roof.bandwidth / 1e9:.1f} GB/s"),
            Metric("Ridge point (mult-adds per byte)", f"{roof.ridge:.2f}",
                   "below it memory bounds a layer, above it arithmetic"),
        ), "roofs", 14),
        Chart(figures.roofline_figure(roof, roofline_points(spec, results, available),
                                      network_points(results, available)), "roofline"),
    )


def predictions_table(spec: LayerSpec, results: Results, available, roof: Roofline) -> str:
    rows = ["| | mult-adds per byte | bound by | predicted | measured (median) | measured ÷ predicted |",
            "| --- | ---: | --- | ---: | ---: | ---: |"]
    for framework in available:
        for stage in STAGES:
            t = results.value(layer_key(spec, framework, stage))
            if t is None:
                continue
            cost, moved = spec.cost(stage), spec.traffic(stage)
            predicted = predicted_time(spec, stage, roof)
            intensity = memory.arithmetic_intensity(cost.multiplications, moved.total)
            bound = "—" if stage == "separable" else roof.bound(intensity)
            rows.append(f"| {STAGES[stage]} ({framework}) | {intensity:.2f} | {bound} | "
                        f"{figures.microseconds(predicted)} | {figures.microseconds(t.median)} | "
                        f"{t.median / predicted:,.0f}× |")
    return "\n".join(rows)


def details(spec: LayerSpec, results: Results, available) -> GoingFurther | None:
    """The times in full, and the roofline's prediction against each measured time."""
    timings = layer_timings(spec, results, available)
    if not timings:
        return None
    roof = roofline_of(results, available)
    return GoingFurther((
        Section("Every repeat's spread", (Text(timing_table(timings)),)),
        Section("Predicted against measured", (
            Text(predictions_table(spec, results, available, roof)),
            Text("The model's time is a floor: a small layer runs far above it, since every call also pays a fixed "
                 "overhead (checking arguments, allocating the output, starting the loops) that neither roof counts, "
                 "and im2col or a framework's own layout moves more than the compulsory bytes."),
        )) if roof is not None else None,
    ), key="measured_details")


def predicted_time(spec: LayerSpec, stage: str, roof: Roofline) -> float:
    """The roofline's time for a stage; the separable pair is its two stages one after the other."""
    if stage == "separable":
        return predicted_time(spec, "depthwise", roof) + predicted_time(spec, "pointwise", roof)
    return roof.time(spec.cost(stage).multiplications, spec.traffic(stage).total)


def network_section(results: Results, available) -> Section | None:
    layers = network_layers()
    times = {}
    for framework in available:
        found = [results.value(network_key(layer.name, framework)) for layer in layers]
        if all(t is not None for t in found):
            times[framework] = [t.median for t in found]
    if not times:
        return None
    mults = np.array([layer.cost.multiplications for layer in layers], dtype=float)
    mult_shares = mults / mults.sum()
    time_shares = {f: list(np.array(ts) / sum(ts)) for f, ts in times.items()}
    depthwise = np.array([layer.kind.startswith("depthwise") for layer in layers])
    names = [layer.name for layer in layers]
    lines = [f"The 13 depthwise layers do **{mult_shares[depthwise].sum():.1%}** of the mult-adds"]
    for framework, shares in time_shares.items():
        shares = np.array(shares)
        lines.append(f"take **{shares[depthwise].sum():.1%}** of the time with {framework} "
                     f"(the whole network: {figures.microseconds(sum(times[framework]))} per image)")
    top_count = [names[i] for i in np.argsort(-mult_shares)[:3]]
    text = "; they ".join(lines) + ". "
    text += f"Most mult-adds: {', '.join(top_count)}. "
    for framework, shares in time_shares.items():
        top_clock = [names[i] for i in np.argsort(-np.array(shares))[:3]]
        text += f"Most time with {framework}: {', '.join(top_clock)}. "
    return Section("MobileNet v1, layer by layer: the count against the clock", (
        Text("Each layer of MobileNet v1 (α = 1, 224×224, one image) timed on its own: bars, its share of the "
             f"mult-adds; markers, its share of the measured time (medians of {NETWORK_REPEATS} repeats)."),
        Chart(figures.shares_figure(names, [layer.kind for layer in layers], list(mult_shares), time_shares),
              "network"),
        Text(text),
    ))


def machine_text() -> str:
    """The machine measured: processor, cores, libraries."""
    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        processor = names[0] if names else processor
    except OSError:
        pass
    torch = timing.torch_version()
    libraries = f"NumPy {np.__version__}" + (f", PyTorch {torch}" if torch else "")
    return f"{processor}, {os.cpu_count()} cores, {platform.system()}; {libraries}"


def method_section(results: Results) -> Section:
    dates = [measured.at for _, measured in results.pairs]
    when = (datetime.datetime.fromtimestamp(max(dates), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            if dates else "not yet")
    return Section("How it was measured", (
        Text(f"On this server ({machine_text()}), last measured **{when}**, in a process of its own on one thread "
             f"at a lower priority than the pages: {timing.WARMUPS} untimed warm-up calls, then up to "
             f"{timing.REPEATS} timed repeats (a call under {timing.MIN_REPEAT_SECONDS * 1e3:g} ms timed many in a "
             "row); shown: the median, the fastest and slowest repeat as the spread. One request measures at a "
             "time, for at most 2 s, and the whole class sees the same results. " + HONEST),
    ))


@dataclass(frozen=True)
class Lesson:
    counts: Section
    measured: tuple  # blocks: the measured times, the roofline, MobileNet, the method


def build_counts(config: Config) -> Section:
    return counts_section(config.spec)


def build_measured(config: Config, results: Results, available: tuple[str, ...]) -> tuple:
    spec = config.spec
    return tuple(section for section in (
        measured_section(spec, results, available, config.measurable),
        network_section(results, available),
        method_section(results),
        details(spec, results, available) if config.measurable else None,
    ) if section is not None)
