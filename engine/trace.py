"""The scan: every position of the kernel, in order, with what it multiplies.

Animations are built from this trace and the counts come from the same place, so an animation
and the engine's cost cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv import check_arrays, pad_input, windows


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

    def sampled_cells(self, step) -> tuple[np.ndarray, np.ndarray]:
        """Padded (rows, cols) of the cells the kernel multiplies at this step: (kh,) and (kw,); for an
        array of steps, (steps, kh) and (steps, kw)."""
        kh, kw = self.kernels.shape[2:]
        rows = np.asarray(self.top[step])[..., None] + np.arange(kh) * self.dilation[0]
        cols = np.asarray(self.left[step])[..., None] + np.arange(kw) * self.dilation[1]
        return rows, cols


def scan_trace(x, w, stride=1, padding=0, dilation=1) -> ScanTrace:
    """Trace a standard convolution of x (C, H, W) with w (N, C, kh, kw)."""
    x, w = check_arrays(x, w)
    n, c, kh, kw = w.shape
    view, g = windows(x.astype(float), (kh, kw), stride, padding, dilation)
    ho, wo = g.out
    (sh, sw) = g.stride
    # products[n, oy, ox, c, i, j] = window(c, oy, ox)[i, j] * w[n, c, i, j]
    products = view.transpose(1, 2, 0, 3, 4)[None] * w[:, None, None]
    products = products.reshape(n * ho * wo, c, kh, kw)
    channel_sums = products.sum(axis=(2, 3))
    sums = channel_sums.sum(axis=1)
    kernel_index, out_row, out_col = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(ho), np.arange(wo), indexing="ij"))
    per_step = c * kh * kw
    return ScanTrace(
        padded=pad_input(x.astype(float), g.pads),
        pads=g.pads,
        kernels=w.astype(float),
        stride=g.stride,
        dilation=g.dilation,
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


@dataclass(frozen=True)
class DepthwiseTrace:
    """A depthwise scan: every channel's kernels at the same position at once, one step per position.

    padded : (C, Hp, Wp); kernels : (C * m, kh, kw), kernel j on channel j // m
    output : (C * m, Ho, Wo)
    out_row, out_col, top, left : (S,) per position, S = Ho * Wo
    products : (S, C * m, kh, kw); sums : (S, C * m)
    per_kernel_so_far : (S,) multiplications each kernel has done after each step
    multiplications_so_far : (S,) all kernels together
    """

    padded: np.ndarray
    pads: tuple
    kernels: np.ndarray
    multiplier: int
    stride: tuple
    dilation: tuple
    output: np.ndarray
    out_row: np.ndarray
    out_col: np.ndarray
    top: np.ndarray
    left: np.ndarray
    products: np.ndarray
    sums: np.ndarray
    per_kernel_so_far: np.ndarray
    multiplications_so_far: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.out_row)

    def sampled_cells(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        kh, kw = self.kernels.shape[1:]
        return (self.top[step] + np.arange(kh) * self.dilation[0],
                self.left[step] + np.arange(kw) * self.dilation[1])


def depthwise_trace(x, w, stride=1, padding=0, dilation=1) -> DepthwiseTrace:
    """Trace a depthwise convolution of x (C, H, W) with w (C * m, kh, kw), position by position."""
    from .depthwise import check_depthwise

    x, w, m = check_depthwise(x, w)
    x, w = x.astype(float), w.astype(float)
    view, g = windows(x, w.shape[1:], stride, padding, dilation)  # (C, Ho, Wo, kh, kw)
    ho, wo = g.out
    source = np.arange(w.shape[0]) // m
    # products[s, j] = window of channel j // m at position s, times kernel j
    products = view[source].transpose(1, 2, 0, 3, 4).reshape(ho * wo, w.shape[0], *w.shape[1:]) * w[None]
    sums = products.sum(axis=(2, 3))
    out_row, out_col = (a.ravel() for a in np.meshgrid(np.arange(ho), np.arange(wo), indexing="ij"))
    per_kernel = w.shape[1] * w.shape[2] * np.arange(1, ho * wo + 1)
    return DepthwiseTrace(
        padded=pad_input(x, g.pads), pads=g.pads, kernels=w, multiplier=m, stride=g.stride,
        dilation=g.dilation, output=sums.T.reshape(w.shape[0], ho, wo), out_row=out_row, out_col=out_col,
        top=out_row * g.stride[0], left=out_col * g.stride[1], products=products, sums=sums,
        per_kernel_so_far=per_kernel, multiplications_so_far=per_kernel * w.shape[0],
    )
