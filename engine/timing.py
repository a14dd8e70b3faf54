"""Measuring time honestly: warm-up calls, then repeats, each repeat timing enough calls in a row to be
read by the clock; the median and the spread of the repeats, never one number alone.

Every function takes its clock (`clock()` -> seconds, time.perf_counter by default) and a deadline on
that clock, so a caller bounds how long it measures and a test can hand it a fake clock.

The routes timed: the engine's NumPy routes (conv2d; depthwise_conv2d then pointwise_conv2d) and, when
PyTorch is installed, its CPU kernels (torch.nn.functional.conv2d, groups=C for the depthwise stage). The
app does not need PyTorch: `torch_or_none()` says whether it can be used.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import math
import statistics
import time
from dataclasses import dataclass

import numpy as np

from .conv import conv2d
from .depthwise import depthwise_conv2d, pointwise_conv2d
from .memory import BYTES_PER_VALUE

NUMPY, PYTORCH = "NumPy", "PyTorch"
REPEATS = 5  # timed repeats after the warm-up, as the deadline allows (at least one)
WARMUPS = 2  # untimed calls first: caches, memory allocation, the framework's own first-call work
MIN_REPEAT_SECONDS = 0.002  # a repeat times this long at least: calls shorter than that are timed n in a row
MAX_CALLS_PER_REPEAT = 1000
TORCH_THREADS = 1


@dataclass(frozen=True)
class Timing:
    """Seconds per call, one value per repeat (each the mean over `calls` calls in a row)."""

    seconds: tuple[float, ...]
    calls: int  # calls in a row per repeat
    warmups: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def fastest(self) -> float:
        return min(self.seconds)

    @property
    def slowest(self) -> float:
        return max(self.seconds)

    @property
    def repeats(self) -> int:
        return len(self.seconds)


def time_call(function, clock=time.perf_counter, deadline: float = math.inf, repeats: int = REPEATS,
              warmups: int = WARMUPS, min_repeat_seconds: float = MIN_REPEAT_SECONDS) -> Timing:
    """Time `function()`: `warmups` untimed calls, then up to `repeats` timed repeats, stopping early once
    the clock passes `deadline` (one repeat is always timed). A repeat of a call faster than
    `min_repeat_seconds` times n calls in a row (n from the last warm-up call) and records their mean."""
    took = 0.0
    for _ in range(max(1, warmups)):
        start = clock()
        function()
        took = clock() - start
    calls = 1 if took >= min_repeat_seconds else min(MAX_CALLS_PER_REPEAT,
                                                     math.ceil(min_repeat_seconds / max(took, 1e-9)))
    seconds = []
    while len(seconds) < max(1, repeats):
        start = clock()
        for _ in range(calls):
            function()
        end = clock()
        seconds.append((end - start) / calls)
        if end >= deadline:
            break
    return Timing(tuple(seconds), calls, max(1, warmups))


# ---- the machine's two roofs ---------------------------------------------------------------------

MATMUL_SIZE = 1024  # float32 n×n by n×n: n³ multiply-adds, about 30 ms on a 2-core laptop-class CPU
COPY_BYTES = 64 * 2**20  # a float32 copy of 64 MiB, far larger than any cache: 2 × 64 MiB moved


def peak_rate(clock=time.perf_counter, deadline: float = math.inf, size: int = MATMUL_SIZE,
              framework: str = NUMPY) -> tuple[float, Timing]:
    """Multiply-adds per second of a large float32 matrix product (NumPy's BLAS, or PyTorch's on its one
    thread), from its fastest repeat: the peak is what the machine can reach."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    out = np.empty((size, size), dtype=np.float32)
    torch = torch_or_none() if framework == PYTORCH else None
    if torch is not None:
        a, b, out = (torch.from_numpy(m) for m in (a, b, out))
        product = lambda: torch.mm(a, b, out=out)  # noqa: E731
    else:
        product = lambda: np.matmul(a, b, out=out)  # noqa: E731
    timing = time_call(product, clock, deadline, repeats=5)
    return size ** 3 / max(timing.fastest, 1e-9), timing  # a clock too coarse to see it: bounded


def copy_bandwidth(clock=time.perf_counter, deadline: float = math.inf,
                   nbytes: int = COPY_BYTES) -> tuple[float, Timing]:
    """Bytes per second of a large float32 copy (read once, written once: 2 × nbytes moved), fastest repeat."""
    source = np.ones(nbytes // BYTES_PER_VALUE, dtype=np.float32)
    target = np.empty_like(source)
    timing = time_call(lambda: np.copyto(target, source), clock, deadline, repeats=10)
    return 2 * source.nbytes / max(timing.fastest, 1e-9), timing


# ---- what is timed ----------------------------------------------------------------------------

@functools.cache
def torch_version() -> str | None:
    """PyTorch's version if it is installed here (without importing it: the server never needs it), else None."""
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        return importlib.metadata.version("torch").split("+")[0]
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


@functools.cache
def torch_or_none():
    """PyTorch, if it can be imported here; None if not (the app runs without it). Set to one thread: a
    measurement on a server leaves its other cores to the class, and on a busy machine PyTorch's threads
    waiting for each other cost more than they bring on layers this small."""
    try:
        import torch
    except Exception:  # not installed, or broken: the NumPy routes still run
        return None
    torch.set_num_threads(TORCH_THREADS)
    return torch


@dataclass(frozen=True)
class LayerData:
    """Random float32 data for one layer: x (C, H, W), standard kernels (N, C, k, k), depthwise kernels
    (C, k, k), pointwise kernels (N, C); seeded, so every measurement times the same numbers."""

    x: np.ndarray
    standard: np.ndarray
    depthwise: np.ndarray
    pointwise: np.ndarray
    stride: int
    padding: int | str


def layer_data(in_shape, kernel: int, out_channels: int, stride: int = 1, padding: int | str = 0,
               seed: int = 0) -> LayerData:
    c, h, w = in_shape
    rng = np.random.default_rng(seed)

    def draw(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    return LayerData(draw(c, h, w), draw(out_channels, c, kernel, kernel), draw(c, kernel, kernel),
                     draw(out_channels, c), stride, padding)


STAGES = ("standard", "depthwise", "pointwise", "separable")  # separable: depthwise then pointwise


def numpy_stage(data: LayerData, stage: str):
    """The engine's NumPy route for one stage, as a function of no arguments."""
    x, s, p = data.x, data.stride, data.padding
    if stage == "standard":
        return lambda: conv2d(x, data.standard, s, p)
    maps = depthwise_conv2d(x, data.depthwise, s, p)
    if stage == "depthwise":
        return lambda: depthwise_conv2d(x, data.depthwise, s, p)
    if stage == "pointwise":
        return lambda: pointwise_conv2d(maps, data.pointwise)
    if stage == "separable":
        return lambda: pointwise_conv2d(depthwise_conv2d(x, data.depthwise, s, p), data.pointwise)
    raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")


def torch_stage(data: LayerData, stage: str):
    """PyTorch's CPU kernels for one stage (a batch of one, NCHW), without autograd; None without PyTorch."""
    torch = torch_or_none()
    if torch is None:
        return None
    functional = torch.nn.functional
    c = data.x.shape[0]
    x = torch.from_numpy(data.x)[None]
    standard = torch.from_numpy(data.standard)
    depthwise = torch.from_numpy(data.depthwise)[:, None]  # (C, 1, k, k): groups=C
    pointwise = torch.from_numpy(data.pointwise)[:, :, None, None]  # (N, C, 1, 1)
    s, p = data.stride, data.padding
    with torch.inference_mode():
        maps = functional.conv2d(x, depthwise, stride=s, padding=p, groups=c)

    def run(compute):
        def call():
            with torch.inference_mode():
                return compute()
        return call

    calls = {
        "standard": lambda: functional.conv2d(x, standard, stride=s, padding=p),
        "depthwise": lambda: functional.conv2d(x, depthwise, stride=s, padding=p, groups=c),
        "pointwise": lambda: functional.conv2d(maps, pointwise),
        "separable": lambda: functional.conv2d(functional.conv2d(x, depthwise, stride=s, padding=p, groups=c),
                                               pointwise),
    }
    if stage not in calls:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    return run(calls[stage])


def stage_call(framework: str, data: LayerData, stage: str):
    """The function to time: the NumPy route or PyTorch's (None where PyTorch is missing)."""
    if framework == NUMPY:
        return numpy_stage(data, stage)
    if framework == PYTORCH:
        return torch_stage(data, stage)
    raise ValueError(f"framework must be {NUMPY} or {PYTORCH}, got {framework!r}")


def network_layer_call(layer, framework: str, seed: int = 0):
    """One layer of engine.mobilenet_v1 as a function to time (None for the average pool, which the paper
    does not count, or where the framework is missing). "same" padding is written as 1, which for a 3×3
    kernel gives the same output size (and so the same count) and which PyTorch takes at stride 2 too;
    the fully connected layer is a 1×1 convolution of a 1×1×C volume."""
    kind, shape = layer.kind, tuple(layer.in_shape)
    out = layer.cost.out_shape[0]
    if kind.startswith("standard"):
        return stage_call(framework, layer_data(shape, 3, out, layer.stride, 1, seed), "standard")
    if kind.startswith("depthwise"):
        return stage_call(framework, layer_data(shape, 3, 1, layer.stride, 1, seed), "depthwise")
    if kind.startswith("pointwise"):
        return stage_call(framework, layer_data(shape, 1, out, 1, 0, seed), "pointwise")
    if kind == "fully connected":
        return stage_call(framework, layer_data((shape[0], 1, 1), 1, out, 1, 0, seed), "pointwise")
    return None
