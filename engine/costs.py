"""Operation counts.

Conventions (the app states them next to every count):
- multiplications: every multiply the sliding kernel performs, padded zeros included, as the
  lecture, the MobileNet paper and fvcore/thop count mult-adds (one multiply-add = one MAC);
- additions: the products of one output value are summed with (products - 1) additions, plus
  one for a bias;
- params: weights, plus biases where bias=True. BatchNorm is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConvConfigError
from .geometry import plan, whole_number


@dataclass(frozen=True)
class Cost:
    """What one stage costs; stages add up with +, the sum keeping the later stage's out_shape."""

    multiplications: int
    additions: int
    params: int
    out_shape: tuple

    def __add__(self, other: "Cost") -> "Cost":
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(
            self.multiplications + other.multiplications,
            self.additions + other.additions,
            self.params + other.params,
            other.out_shape,
        )


def checked_in_shape(in_shape) -> tuple[int, int, int]:
    """(channels, height, width) as whole numbers of at least 1, or a ConvConfigError naming the one that is not."""
    if len(in_shape) != 3:
        raise ConvConfigError(f"in_shape must be (channels, height, width), got {tuple(in_shape)!r}")
    c, h, w = (whole_number(v, name) for v, name in zip(in_shape, ("channels", "height", "width")))
    for value, name in ((c, "channels"), (h, "height"), (w, "width")):
        if value < 1:
            raise ConvConfigError(f"{name} must be at least 1, got {value}")
    return c, h, w


def _kernel_count(out_channels) -> int:
    n = whole_number(out_channels, "number of kernels")
    if n < 1:
        raise ConvConfigError(f"number of kernels must be at least 1, got {n}")
    return n


def _count(positions: int, products_per_output: int, outputs_per_position: int, bias: bool) -> tuple[int, int]:
    multiplications = positions * outputs_per_position * products_per_output
    additions = positions * outputs_per_position * (products_per_output - 1 + int(bias))
    return multiplications, additions


def standard_cost(in_shape, kernel, out_channels, stride=1, padding=0, dilation=1, bias=False) -> Cost:
    """N kernels of kh x kw x C slid over a (C, H, W) input.

    multiplications = N * Ho * Wo * C * kh * kw
    """
    c, h, w = checked_in_shape(in_shape)
    n = _kernel_count(out_channels)
    g = plan((h, w), kernel, stride, padding, dilation)
    (kh, kw), (ho, wo) = g.kernel, g.out
    mults, adds = _count(ho * wo, c * kh * kw, n, bias)
    params = n * c * kh * kw + (n if bias else 0)
    return Cost(mults, adds, params, (n, ho, wo))
