"""Bytes moved, arithmetic intensity and the roofline: what a multiplication count leaves out.

Conventions (the app states them next to every figure):
- values are float32: BYTES_PER_VALUE = 4 bytes each;
- "moved" is the traffic a layer cannot avoid with an ideal cache (compulsory traffic): each stage reads
  its input volume once and its weights (and biases) once, and writes its output volume once;
- in a depthwise separable pair the intermediate volume (the depthwise maps) is written by the first
  stage and read back by the second: it counts twice, in `Traffic.intermediate`. For a 1×1 convolution
  this is the memory access cost of ShuffleNet V2 (Ma et al. 2018), MAC = hw(c₁ + c₂) + c₁c₂, in values;
- arithmetic intensity = multiplications (mult-adds, counted as in costs.py) per byte moved.

A real processor moves more (caches are small; im2col copies the input kh·kw times) or, fusing the two
stages, less; the roofline below is the model's answer, the clock the final one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .costs import Cost, checked_in_shape, standard_cost
from .depthwise import depthwise_cost, pointwise_cost

BYTES_PER_VALUE = 4  # float32


@dataclass(frozen=True)
class Traffic:
    """Bytes one stage (or a chain of stages) moves; stages chain with +, as Cost does: the first stage's
    input, the last one's output, and in between each intermediate volume written and read again."""

    input: int
    weights: int
    output: int
    intermediate: int = 0

    @property
    def total(self) -> int:
        return self.input + self.weights + self.output + self.intermediate

    def __add__(self, other: "Traffic") -> "Traffic":
        if not isinstance(other, Traffic):
            return NotImplemented
        return Traffic(self.input, self.weights + other.weights, other.output,
                       self.intermediate + self.output + other.input + other.intermediate)


def layer_traffic(in_shape, cost: Cost) -> Traffic:
    """A stage with input (C, H, W) and the cost the engine counts for it: the input once, its parameters
    (weights and biases, as `cost.params`) once, its output once, BYTES_PER_VALUE bytes each."""
    c, h, w = checked_in_shape(in_shape)
    return Traffic(c * h * w * BYTES_PER_VALUE, cost.params * BYTES_PER_VALUE,
                   math.prod(cost.out_shape) * BYTES_PER_VALUE)


def standard_traffic(in_shape, kernel, out_channels, stride=1, padding=0, dilation=1, bias=False) -> Traffic:
    """A standard convolution: 4 · (C·H·W + N·C·kh·kw + N·Ho·Wo) bytes."""
    return layer_traffic(in_shape, standard_cost(in_shape, kernel, out_channels, stride, padding, dilation, bias))


def depthwise_traffic(in_shape, kernel, multiplier=1, stride=1, padding=0, dilation=1, bias=False) -> Traffic:
    """A depthwise convolution: 4 · (C·H·W + C·m·kh·kw + C·m·Ho·Wo) bytes."""
    return layer_traffic(in_shape, depthwise_cost(in_shape, kernel, multiplier, stride, padding, dilation, bias))


def pointwise_traffic(in_shape, out_channels, bias=False) -> Traffic:
    """A 1×1 convolution: 4 · (H·W·(C + N) + N·C) bytes, ShuffleNet V2's MAC in bytes."""
    return layer_traffic(in_shape, pointwise_cost(in_shape, out_channels, bias))


def depthwise_separable_traffic(in_shape, kernel, out_channels, stride=1, padding=0, dilation=1,
                                bias=False) -> Traffic:
    """Depthwise then pointwise: the input, both stages' weights, the output, and the C·Ho·Wo depthwise maps
    written and read again (2 · 4 · C·Ho·Wo bytes)."""
    first = depthwise_cost(in_shape, kernel, 1, stride, padding, dilation, bias=False)
    return layer_traffic(in_shape, first) + pointwise_traffic(first.out_shape, out_channels, bias)


def arithmetic_intensity(multiplications: int, moved_bytes: int) -> float:
    """Multiplications per byte moved."""
    if moved_bytes <= 0:
        raise ValueError(f"bytes moved must be positive, got {moved_bytes}")
    return multiplications / moved_bytes


@dataclass(frozen=True)
class Roofline:
    """A machine as the roofline model sees it (Williams, Waterman & Patterson 2009): a peak rate of
    multiply-adds per second and a memory bandwidth in bytes per second. A layer of intensity I can run at
    most min(peak, I · bandwidth) multiply-adds per second: the lower of the two roofs."""

    peak: float  # multiply-adds per second
    bandwidth: float  # bytes per second

    @property
    def ridge(self) -> float:
        """The intensity where the roofs meet: below it memory bounds a layer, above it arithmetic does."""
        return self.peak / self.bandwidth

    def attainable(self, intensity: float) -> float:
        """Multiply-adds per second at this intensity: min(peak, intensity × bandwidth)."""
        return min(self.peak, intensity * self.bandwidth)

    def time(self, multiplications: int, moved_bytes: int) -> float:
        """Predicted seconds: the work at the attainable rate, max(multiplications / peak, bytes / bandwidth)."""
        return max(multiplications / self.peak, moved_bytes / self.bandwidth)

    def bound(self, intensity: float) -> str:
        return "memory" if intensity < self.ridge else "arithmetic"
