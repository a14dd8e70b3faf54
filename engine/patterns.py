"""Small example inputs and kernel presets, so that every number on screen comes from here."""

from __future__ import annotations

import numpy as np

from .errors import ConvConfigError

INPUT_PATTERNS = ("random integers", "vertical edge", "horizontal edge", "diagonal line", "checkerboard")
KERNEL_PRESETS = ("Sobel x", "Sobel y", "identity", "box blur", "sharpen", "random")


def input_pattern(name: str, channels: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """An integer input of shape (channels, height, width) with a recognisable pattern.

    Channel c of a pattern is the pattern plus c, so channels differ but stay readable.
    """
    rows, cols = np.mgrid[0:height, 0:width]
    if name == "random integers":
        return np.random.default_rng(seed).integers(0, 10, size=(channels, height, width)).astype(float)
    if name == "vertical edge":
        base = np.where(cols < width / 2, 0, 9)
    elif name == "horizontal edge":
        base = np.where(rows < height / 2, 0, 9)
    elif name == "diagonal line":
        base = np.where(np.abs(rows - cols) <= 0, 9, 0)
    elif name == "checkerboard":
        base = np.where((rows + cols) % 2 == 0, 9, 0)
    else:
        raise ConvConfigError(f"unknown input pattern {name!r}: choose one of {', '.join(INPUT_PATTERNS)}")
    return np.stack([base + c for c in range(channels)]).astype(float)


def binomial(n: int) -> np.ndarray:
    """Row n of Pascal's triangle as a length-n array: 1; 1 1; 1 2 1; 1 3 3 1 ..."""
    row = np.array([1.0])
    for _ in range(n - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row


def kernel_preset(name: str, kh: int, kw: int, seed: int = 0) -> np.ndarray:
    """A kh x kw kernel. Sobel generalises to any size as binomial smoothing times a
    binomial derivative (3 x 3 gives the classic [1, 2, 1]^T x [1, 0, -1])."""
    if kh < 1 or kw < 1:
        raise ConvConfigError(f"a kernel needs at least one cell, got {kh} x {kw}")
    centre = (kh // 2, kw // 2)
    if name == "identity":
        k = np.zeros((kh, kw))
        k[centre] = 1
        return k
    if name == "box blur":
        return np.full((kh, kw), 1.0 / (kh * kw))
    if name == "Sobel x":
        if kw < 2:
            raise ConvConfigError("Sobel x differentiates along a row, so it needs a kernel at least 2 wide: widen the kernel")
        return np.outer(binomial(kh), np.convolve(binomial(kw - 1), [1.0, -1.0]))
    if name == "Sobel y":
        if kh < 2:
            raise ConvConfigError("Sobel y differentiates down a column, so it needs a kernel at least 2 tall: make the kernel taller")
        return np.outer(np.convolve(binomial(kh - 1), [1.0, -1.0]), binomial(kw))
    if name == "sharpen":
        k = np.zeros((kh, kw))
        r, c = centre
        neighbours = [(r + dr, c + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                      if 0 <= r + dr < kh and 0 <= c + dc < kw]
        for cell in neighbours:
            k[cell] = -1
        k[centre] = 1 + len(neighbours)
        return k
    if name == "random":
        return np.random.default_rng(seed).integers(-2, 3, size=(kh, kw)).astype(float)
    raise ConvConfigError(f"unknown kernel preset {name!r}: choose one of {', '.join(KERNEL_PRESETS)}")


def kernel_bank(name: str, n: int, c: int, kh: int, kw: int, seed: int = 0) -> np.ndarray:
    """N kernels of C channels, or independent draws for "random".

    A named preset fills every channel of kernel 1; kernel 2, 3, 4 are it turned by 90, 180 and
    270 degrees (square kernels) or flipped (others), so Sobel x gives edge detectors in four
    directions instead of N identical maps.
    """
    if name == "random":
        return np.random.default_rng(seed).integers(-2, 3, size=(n, c, kh, kw)).astype(float)
    base = kernel_preset(name, kh, kw, seed)
    turned = [np.rot90(base, -i) if kh == kw else (base, base[::-1, ::-1], base[:, ::-1], base[::-1])[i % 4]
              for i in range(n)]
    return np.stack([np.broadcast_to(k, (c, kh, kw)) for k in turned]).astype(float)


def _outer(col, row, scale=1.0) -> np.ndarray:
    return np.outer(col, row) * scale


# The Spatially separable page's kernels: name -> kernel. Both sign conventions of Sobel appear
# in the lecture: [1, 2, 1]^T x [1, 0, -1] (its G_x) and [1, 2, 1]^T x [-1, 0, 1].
SEPARABLE_PRESETS = {
    "Sobel x (lecture: 1 0 −1)": _outer([1, 2, 1], [1, 0, -1]),
    "Sobel x (−1 0 1)": _outer([1, 2, 1], [-1, 0, 1]),
    "Sobel y (1 0 −1)": _outer([1, 0, -1], [1, 2, 1]),
    "Sobel y (−1 0 1)": _outer([-1, 0, 1], [1, 2, 1]),
    "Scharr x": _outer([3, 10, 3], [1, 0, -1]),
    "box blur 3×3": _outer([1, 1, 1], [1, 1, 1], 1 / 9),
    "Gaussian 3×3": _outer([1, 2, 1], [1, 2, 1], 1 / 16),
    "Gaussian 5×5": _outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1], 1 / 256),
    "Laplacian": np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "sharpen": np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "identity": _outer([0, 1, 0], [0, 1, 0]),
}


def separable_preset(name: str, seed: int = 0, size: int = 3) -> np.ndarray:
    """A named kernel of the Spatially separable page, or "random" (size x size, seeded)."""
    if name == "random":
        return np.random.default_rng(seed).integers(-3, 4, size=(size, size)).astype(float)
    if name not in SEPARABLE_PRESETS:
        choices = ", ".join([*SEPARABLE_PRESETS, "random"])
        raise ConvConfigError(f"unknown kernel {name!r}: choose one of {choices}")
    return SEPARABLE_PRESETS[name].copy()
