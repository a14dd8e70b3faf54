"""One example flowing through both stages of a depthwise separable layer, shared by the pages that
draw them: the Depthwise page's maps are the Pointwise page's input, and the Depthwise separable page
runs the same numbers through both stages and through the standard convolution they amount to.

The data are drawn as the Depthwise and Pointwise pages draw theirs (engine.input_pattern's random
integers, engine.kernel_bank's random kernels, the same seed), so the Depthwise page set to custom with
the same sizes shows exactly the maps the Pointwise page starts from. No Streamlit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

import engine

SEED = 0  # the examples' numbers are the same on every visit


@dataclass(frozen=True, eq=False)
class SeparableExample:
    """An input through a depthwise stage, a pointwise stage, and the standard convolution whose kernels
    are the product of the two (engine.equivalent_kernel: W[n, c] = P[n, c] · D[c]), so that its
    output equals the two stages' output. Arrays are channels first, as the engine takes them."""

    x: np.ndarray  # (C, H, W), whole numbers 0 to 9
    depthwise: np.ndarray  # D (C, k, k), whole numbers −2 to 2
    depthwise_maps: np.ndarray  # (C, Ho, Wo)
    pointwise: np.ndarray  # P (N, C), whole numbers −2 to 2
    output: np.ndarray  # (N, Ho, Wo): the pointwise stage on the depthwise maps
    standard: np.ndarray  # W (N, C, k, k) = P[n, c] · D[c]
    standard_maps: np.ndarray  # (N, Ho, Wo): engine.conv2d(x, W), equal to `output`
    stride: int
    padding: int | str

    @property
    def difference(self) -> float:
        """The largest difference between the two stages' output and the standard convolution's."""
        return float(np.abs(self.output - self.standard_maps).max()) if self.output.size else 0.0


@functools.lru_cache(maxsize=16)
def separable_example(height: int, width: int, channels: int, kernel_size: int, kernels: int, seed: int = SEED,
                      stride: int = 1, padding: int | str = 0) -> SeparableExample:
    """The example of an H×W×C input with `kernels` output channels and k×k depthwise kernels. Raises
    ConvConfigError (with the fix) where the engine cannot compute the layer. Cached: treat its arrays
    as read-only."""
    x = engine.input_pattern("random integers", channels, height, width, seed)
    depthwise = engine.kernel_bank("random", channels, 1, kernel_size, kernel_size, seed)[:, 0]
    pointwise = engine.kernel_bank("random", kernels, channels, 1, 1, seed)[:, :, 0, 0]
    depthwise_maps = engine.depthwise_conv2d(x, depthwise, stride, padding)
    output = engine.pointwise_conv2d(depthwise_maps, pointwise)
    standard = engine.equivalent_kernel(depthwise, pointwise)
    standard_maps = engine.conv2d(x, standard, stride, padding)
    for array in (x, depthwise, depthwise_maps, pointwise, output, standard, standard_maps):
        array.flags.writeable = False  # shared by every session through the cache
    return SeparableExample(x, depthwise, depthwise_maps, pointwise, output, standard, standard_maps, stride, padding)
