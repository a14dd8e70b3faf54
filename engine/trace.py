"""The scan: every position of the kernel, in order, with what it multiplies.

Animations are built from this trace and the counts come from the same place, so an animation
and the engine's cost cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv import _check_arrays, pad_input, windows


@dataclass(frozen=True)
class ScanTrace:
    """One step per (kernel, output row, output column), in that order.

    padded : ndarray (C, Hp, Wp), the input with its zero padding
    pads : ((top, bottom), (left, right))
    kernels : ndarray (N, C, kh, kw)
    stride, dilation : (rows, cols)
    output : ndarray (N, Ho, Wo), the finished output
    kernel_index, out_row, out_col : ndarray (S,), which output value each step computes
    top, left : ndarray (S,), the window's first cell in padded coordinates
    products : ndarray (S, C, kh, kw), every product of the step
    channel_sums : ndarray (S, C), the products of each channel added up
    sums : ndarray (S,), the output value
    multiplications_so_far : ndarray (S,), running count after each step
    """

    padded: np.ndarray
    pads: tuple
    kernels: np.ndarray
    stride: tuple
    dilation: tuple
    output: np.ndarray
    kernel_index: np.ndarray
    out_row: np.ndarray
    out_col: np.ndarray
    top: np.ndarray
    left: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    sums: np.ndarray
    multiplications_so_far: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.sums)

    def sampled_cells(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """Padded (rows, cols) of the cells the kernel multiplies at this step."""
        kh, kw = self.kernels.shape[2:]
        rows = self.top[step] + np.arange(kh) * self.dilation[0]
        cols = self.left[step] + np.arange(kw) * self.dilation[1]
        return rows, cols


def scan_trace(x, w, stride=1, padding=0, dilation=1) -> ScanTrace:
    """Trace a standard convolution of x (C, H, W) with w (N, C, kh, kw)."""
    x, w = _check_arrays(x, w)
    n, c, kh, kw = w.shape
    view, g = windows(x.astype(float), (kh, kw), stride, padding, dilation)
    ho, wo = g["out"]
    (sh, sw) = g["stride"]
    # products[n, oy, ox, c, i, j] = window(c, oy, ox)[i, j] * w[n, c, i, j]
    products = view.transpose(1, 2, 0, 3, 4)[None] * w[:, None, None]
    products = products.reshape(n * ho * wo, c, kh, kw)
    channel_sums = products.sum(axis=(2, 3))
    sums = channel_sums.sum(axis=1)
    kernel_index, out_row, out_col = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(ho), np.arange(wo), indexing="ij"))
    per_step = c * kh * kw
    return ScanTrace(
        padded=pad_input(x.astype(float), g["pads"]),
        pads=g["pads"],
        kernels=w.astype(float),
        stride=g["stride"],
        dilation=g["dilation"],
        output=sums.reshape(n, ho, wo),
        kernel_index=kernel_index,
        out_row=out_row,
        out_col=out_col,
        top=out_row * sh,
        left=out_col * sw,
        products=products,
        channel_sums=channel_sums,
        sums=sums,
        multiplications_so_far=per_step * np.arange(1, n * ho * wo + 1),
    )
