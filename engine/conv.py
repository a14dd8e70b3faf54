"""Standard 2-D convolution, channels first, one image.

Technically cross-correlation, as in PyTorch and Keras: the kernel is not flipped.
`conv2d` is vectorised; `conv2d_loop` is its plain-loop twin, the reference it is tested against
and the text a student can read. Both take `operation="convolution"` for true convolution, as in
signal processing and `scipy.signal.convolve2d`: cross-correlation with every kernel turned by
180° (`flip_kernel`). The flip changes no count: the same multiplications, on other weights.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .errors import ConvConfigError
from .geometry import plan

OPERATIONS = ("correlation", "convolution")


def flip_kernel(w) -> np.ndarray:
    """Every kernel turned by 180°: reversed along its last two axes (rows and columns).

    w : a kernel (kh, kw), a bank (N, C, kh, kw) or depthwise kernels (C * m, kh, kw); a 1-D
    factor (a column or a row) is simply reversed.
    True convolution is cross-correlation with the flipped kernel: the lecture's Sobel x
    [[1, 0, -1], [2, 0, -2], [1, 0, -1]] flips to [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]. A kernel
    that is symmetric under the turn (box blur, Gaussian) is its own flip.
    Returns a new array; w is not changed.
    """
    w = np.asarray(w)
    if w.ndim == 0:
        raise ConvConfigError("a kernel needs at least one axis to flip, got a single number")
    return np.flip(w, axis=tuple(range(max(w.ndim - 2, 0), w.ndim))).copy()


def check_operation(operation) -> str:
    """operation, if it is one of OPERATIONS; otherwise a ConvConfigError naming the choices."""
    if operation not in OPERATIONS:
        raise ConvConfigError(
            f'operation must be "correlation" (the kernel as it is, as in PyTorch and Keras) or "convolution" '
            f"(the kernel turned by 180° first, as in scipy.signal.convolve2d), got {operation!r}"
        )
    return operation


def kernel_as_used(w, operation: str = "correlation") -> np.ndarray:
    """The kernels the scan multiplies by: w itself for correlation, flip_kernel(w) for convolution."""
    return flip_kernel(w) if check_operation(operation) == "convolution" else np.asarray(w)


def check_arrays(x, w) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 3:
        raise ConvConfigError(f"input must have shape (channels, height, width), got {x.ndim} dimensions {x.shape}")
    if w.ndim != 4:
        raise ConvConfigError(
            f"kernels must have shape (kernels, channels, height, width), got {w.ndim} dimensions {w.shape}"
        )
    if w.shape[1] != x.shape[0]:
        raise ConvConfigError(
            f"each kernel has {w.shape[1]} channels but the input has {x.shape[0]}: "
            "a standard kernel spans every input channel"
        )
    if 0 in w.shape:
        raise ConvConfigError(f"kernels must not be empty, got shape {w.shape}")
    return x, w


def pad_input(x: np.ndarray, pads) -> np.ndarray:
    """x (C, H, W) with zeros added: pads = ((top, bottom), (left, right)). Always a new array."""
    x = np.asarray(x)
    (top, bottom), (left, right) = pads
    c, h, w = x.shape
    # what np.pad does, without its generality: about ten times faster on the pages' small inputs
    out = np.zeros((c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def _view(base: np.ndarray, shape, strides, offset: int = 0) -> np.ndarray:
    """A read-only strided view of base (offset and strides in bytes), like as_strided.

    Built on base's buffer when it has one (C-contiguous, no Python objects): about eight times
    cheaper than as_strided, which counts on the pages' small inputs, and NumPy checks that the
    view stays inside base.
    """
    if base.flags.c_contiguous and not base.dtype.hasobject:
        view = np.ndarray(shape, base.dtype, base, offset, strides)
        view.flags.writeable = False
        return view
    start = base.reshape(-1)[offset // base.itemsize:] if offset else base  # offsets only on C-contiguous bases
    return as_strided(start, shape, strides, writeable=False)


def windows(x: np.ndarray, kernel_hw, stride=1, padding=0, dilation=1):
    """Every window the kernel sees, as a strided view.

    x : ndarray of shape (C, H, W).
    Returns (read-only view of shape (C, Ho, Wo, kh, kw), geometry dict from `plan`); the view
    looks into a padded copy of x, or into x itself when there is no padding.
    """
    g = plan(x.shape[1:], kernel_hw, stride, padding, dilation)
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = g.kernel, g.stride, g.dilation, g.out
    xp = pad_input(x, g.pads) if any(g.pads[0] + g.pads[1]) else np.asarray(x)
    s_c, s_h, s_w = xp.strides
    return _view(xp, (xp.shape[0], ho, wo, kh, kw), (s_c, sh * s_h, sw * s_w, dh * s_h, dw * s_w)), g


IM2COL_LIMIT = 4_000_000  # cells in one im2col block; larger problems are done in blocks of output rows


def _phases(k: int, stride: int, dilation: int) -> tuple[list, list]:
    """Along one axis, output o meets padded cell o * stride + i * dilation with kernel cell i: in
    the phase (the cells a, a + stride, a + 2 stride, ...) a = i * dilation % stride, at o plus
    i * dilation // stride. Returns (the phases a some cell meets, per cell (index of its phase, shift))."""
    starts = sorted({i * dilation % stride for i in range(k)})
    return starts, [(starts.index(i * dilation % stride), i * dilation // stride) for i in range(k)]


def _phase_slice(a: int, stride: int, before: int, size: int) -> tuple[slice, slice]:
    """Where the phase starting at padded cell a gets x's cells: (cells of the phase, cells of x)."""
    first = max(0, -(-(before - a) // stride))  # the phase's first cell that is not padding
    start = first * stride + a - before  # the cell of x it holds
    return slice(first, first + len(range(start, size, stride))), slice(start, None, stride)


def phase_planes(x: np.ndarray, g, dtype, split_rows: bool = True):
    """The padded input split by the stride into phase planes, so that every window cell is a shift.

    planes[p, q] = padded[:, a_p::sh, b_q::sw], for the phases some kernel cell meets (padding
    cells are zeros). Returns (planes of shape (P, Q, C, Hq, Wq), rows, cols): rows[i] = (p, r)
    means kernel row i meets, for output row oy, row oy + r of plane p; cols[j] = (q, s) likewise
    for kernel column j and output column ox: column ox + s of plane q. Neighbouring outputs then
    meet neighbouring cells. With split_rows=False the rows stay whole (one row phase, rows[i] =
    (0, i * dh)) and output row oy meets plane row oy * sh + r instead.
    With nothing to pad or split, planes is x itself (C-contiguous), neither copied nor converted.
    """
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.stride, g.dilation
    (top, bottom), (left, right) = g.pads
    c, h, w = x.shape
    sh = sh if split_rows else 1
    row_phases, rows = _phases(kh, sh, dh)
    col_phases, cols = _phases(kw, sw, dw)
    if sh == sw == 1 and not (top or bottom or left or right) and x.flags.c_contiguous:
        return x[None, None], rows, cols
    hq, wq = -(-(h + top + bottom) // sh), -(-(w + left + right) // sw)
    planes = np.zeros((len(row_phases), len(col_phases), c, hq, wq), dtype=dtype)
    for p, a in enumerate(row_phases):
        to_rows, from_rows = _phase_slice(a, sh, top, h)
        for q, b in enumerate(col_phases):
            to_cols, from_cols = _phase_slice(b, sw, left, w)
            planes[p, q, :, to_rows, to_cols] = x[:, from_rows, from_cols]
    return planes, rows, cols


def _tap_views(x: np.ndarray, g, dtype) -> list:
    """Where the im2col rows are copied from: [(kernel columns, view of shape (C, kh, n, Ho, Wo))].

    view[c, i, t, oy, ox] is the padded input cell that the kernel cell (i, columns[t]) meets at
    output (oy, ox). Along the last axis the cells are neighbours in memory (the input is split
    into column phases when the column stride is above 1), so each copy runs over contiguous
    memory. Kernel columns j and j + sw / gcd(sw, dw) fall in the same column phase, one shift
    further on: one view for each such class of columns.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = g.kernel, g.stride, g.dilation, g.out
    planes, _, cols = phase_planes(x, g, dtype, split_rows=False)
    _, s_q, s_c, s_h, s_w = planes.strides
    period = sw // math.gcd(sw, dw)
    views = []
    for j in range(min(kw, period)):
        phase, shift = cols[j]
        view = _view(planes, (x.shape[0], kh, len(range(j, kw, period)), ho, wo),
                     (s_c, dh * s_h, period * dw // sw * s_w, sh * s_h, s_w), phase * s_q + shift * s_w)
        views.append((slice(j, None, period), view))
    return views


def im2col_blocks(x: np.ndarray, g, dtype, limit: int = IM2COL_LIMIT, all_channels: bool = True):
    """The im2col matrix of x, block by block, each block at most `limit` cells when it can be.

    Yields (channels, positions, cols): cols (C', kh * kw, P) holds, for the channels `channels`
    and the output positions `positions` (a run of whole output rows, in reading order), one row
    per kernel cell (i, j): the cell every window has there, padding zeros included. Blocks span
    every channel (all_channels, for a standard convolution, which sums over them) or as many
    whole channels as fit (depthwise). All blocks share one buffer, overwritten by the next one:
    memory stays bounded and, when `limit` is small, in the processor's cache.
    """
    c = x.shape[0]
    (kh, kw), (ho, wo) = g.kernel, g.out
    taps = kh * kw
    rows = max(1, min(ho, limit // (taps * wo * (c if all_channels else 1))))
    chunk = c if all_channels or rows < ho else max(1, min(c, limit // (taps * ho * wo)))
    views = _tap_views(x, g, dtype)
    buffer = np.empty(chunk * taps * rows * wo, dtype=dtype)
    for c0 in range(0, c, chunk):
        c1 = min(c, c0 + chunk)
        for r0 in range(0, ho, rows):
            r1 = min(ho, r0 + rows)
            block = buffer[:(c1 - c0) * taps * (r1 - r0) * wo].reshape(c1 - c0, kh, kw, r1 - r0, wo)
            for columns, view in views:
                np.copyto(block[:, :, columns], view[c0:c1, :, :, r0:r1])
            yield slice(c0, c1), slice(r0 * wo, r1 * wo), block.reshape(c1 - c0, taps, (r1 - r0) * wo)


def conv2d(x, w, stride=1, padding=0, dilation=1, bias=None, *, operation="correlation") -> np.ndarray:
    """Cross-correlate x with N kernels (or, with operation="convolution", convolve).

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (N, C, kh, kw)
    stride, dilation : int or (rows, cols)
    padding : int, (rows, cols), ((top, bottom), (left, right)), or "valid" | "same" | "full"
    bias : None or ndarray of shape (N,)
    operation : "correlation" (default; the kernel as it is, as in PyTorch and Keras) or
        "convolution" (every kernel turned by 180° first, as in scipy.signal.convolve2d; stride,
        padding and dilation then apply to the flipped kernel exactly as to any other; so with
        padding="same" and an even kernel the extra zero goes after the input, as in PyTorch,
        and along that axis the output is one cell further on than scipy's mode="same")
    Returns ndarray of shape (N, Ho, Wo).

    Every window is gathered into a matrix (im2col: one row per kernel cell, one column per output
    position) and multiplied by the kernels in one matrix product; a large input (an image) goes
    through in blocks of whole output rows of at most IM2COL_LIMIT gathered cells (or one row).
    """
    x, w = check_arrays(x, w)
    w = kernel_as_used(w, operation)
    n, c, kh, kw = w.shape
    g = plan(x.shape[1:], (kh, kw), stride, padding, dilation)
    ho, wo = g.out
    dtype = np.result_type(x.dtype, w.dtype, np.float32)  # integers compute in float64
    weights = w.reshape(n, c * kh * kw).astype(dtype, copy=False)
    out = np.empty((n, ho * wo), dtype=dtype)
    # im2col rows in the order (channel, kernel row, kernel column), matching the weights
    for _, positions, cols in im2col_blocks(x, g, dtype, IM2COL_LIMIT):
        np.matmul(weights, cols.reshape(c * kh * kw, -1), out=out[:, positions])
    out = out.reshape(n, ho, wo)
    if bias is not None:
        out = out + _check_bias(bias, n)[:, None, None]
    return out


def _check_bias(bias, n: int) -> np.ndarray:
    b = np.asarray(bias)
    if b.shape != (n,):
        raise ConvConfigError(f"bias must have one value per kernel, shape ({n},), got {b.shape}")
    return b


def conv2d_loop(x, w, stride=1, padding=0, dilation=1, bias=None, counter=None, *,
                operation="correlation") -> np.ndarray:
    """The same as `conv2d`, one multiplication at a time.

    counter : optional dict; counter["multiplications"] and counter["additions"] are
    incremented for every multiply and add performed, padded zeros included.
    operation : "correlation" or "convolution" (the kernel turned by 180° first), as in `conv2d`.
    """
    x, w = check_arrays(x, w)
    if check_operation(operation) == "convolution":
        w = w[:, :, ::-1, ::-1]  # true convolution: every kernel turned by 180°, then the same loops
    n_kernels, channels, kh, kw = w.shape
    g = plan(x.shape[1:], (kh, kw), stride, padding, dilation)
    (sh, sw), (dh, dw) = g.stride, g.dilation
    xp = pad_input(x, g.pads)
    ho, wo = g.out
    out = np.zeros((n_kernels, ho, wo))
    mults = adds = 0
    for n in range(n_kernels):
        for oy in range(ho):
            for ox in range(wo):
                total = 0.0
                first = True
                for c in range(channels):
                    for i in range(kh):
                        for j in range(kw):
                            product = xp[c, oy * sh + i * dh, ox * sw + j * dw] * w[n, c, i, j]
                            mults += 1
                            if first:
                                total, first = product, False
                            else:
                                total += product
                                adds += 1
                if bias is not None:
                    total += _check_bias(bias, n_kernels)[n]
                    adds += 1
                out[n, oy, ox] = total
    if counter is not None:
        counter["multiplications"] = counter.get("multiplications", 0) + mults
        counter["additions"] = counter.get("additions", 0) + adds
    return out
