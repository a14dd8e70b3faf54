"""Depthwise, pointwise and grouped convolution: the two stages of MobileNet's separable layer.

Depthwise: one kh x kw kernel per input channel (m per channel with a depth multiplier m), each
sliding over its own channel only. Pointwise: 1 x 1 kernels that mix the channels at every pixel.
Grouped: C channels in g groups, each group a standard convolution; g = 1 is the standard
convolution, g = C (with one kernel per channel) is depthwise.
"""

from __future__ import annotations

import numpy as np

from .conv import conv2d, conv2d_loop, im2col_blocks, pad_input, phase_planes
from .costs import Cost, _count, _kernel_count, checked_in_shape
from .errors import ConvConfigError
from .geometry import plan, whole_number


def check_depthwise(x, w) -> tuple[np.ndarray, np.ndarray, int]:
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 3:
        raise ConvConfigError(f"input must have shape (channels, height, width), got {x.ndim} dimensions {x.shape}")
    if w.ndim != 3 or 0 in w.shape:
        raise ConvConfigError(f"depthwise kernels must have shape (channels × multiplier, height, width), got {w.shape}")
    if w.shape[0] % x.shape[0]:
        raise ConvConfigError(
            f"{w.shape[0]} depthwise kernels cannot be shared out over {x.shape[0]} channels: "
            "give every channel the same number of kernels (the depth multiplier)"
        )
    return x, w, w.shape[0] // x.shape[0]


# Two ways to the same sums. Small inputs (the pages'): gather every window (im2col) and multiply
# by the kernels, DEPTHWISE_BLOCK cells of windows at a time so they stay in the processor's cache.
# Long rows of output (an image): BLAS axpy, y += a * x, one pass over a shifted input per kernel
# cell; no gathered copy, which for a 3x3 kernel costs more than the products themselves.
DEPTHWISE_BLOCK = 2**19
AXPY_MIN_RUN = 2048  # output cells per kernel below which im2col was faster here (per-call costs)
AXPY_PIECE = 10_000  # cells per axpy call: OpenBLAS keeps an axpy of up to 10,000 on the calling thread


def depthwise_conv2d(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Each channel filtered by its own kernels.

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (C * m, kh, kw); output channel j filters input channel j // m
        (PyTorch's Conv2d with groups=C)
    Returns ndarray of shape (C * m, Ho, Wo).
    """
    x, w, m = check_depthwise(x, w)
    g = plan(x.shape[1:], w.shape[1:], stride, padding, dilation)
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    (ho, wo), (kh, kw), c = g.out, w.shape[1:], x.shape[0]
    weights = w.astype(dtype, copy=False)
    axpy = _axpy(dtype) if ho * wo >= AXPY_MIN_RUN else None
    # BLAS axpy skips a zero weight, which numpy would multiply: 0 * inf is nan; keep numpy's answer
    if axpy is not None and (weights.all() or np.isfinite(x).all()):
        return _depthwise_axpy(x, weights, m, g, axpy)
    weights = weights.reshape(c, m, kh * kw)
    out = np.empty((c, m, ho * wo), dtype=dtype)
    # per channel, its windows as a (kh*kw x Ho*Wo) matrix; its m kernels as (m x kh*kw): one
    # batched product over the channels of each block
    for channels, positions, cols in im2col_blocks(x, g, dtype, DEPTHWISE_BLOCK, all_channels=False):
        np.matmul(weights[channels], cols, out=out[channels, :, positions])
    return out.reshape(c * m, ho, wo)


def _axpy(dtype):
    """BLAS axpy (y += a * x, in place) for dtype, or None for a dtype BLAS does not have."""
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        return None
    from scipy.linalg.blas import get_blas_funcs  # imported on first use: small inputs never need it

    return get_blas_funcs("axpy", dtype=dtype)


def _depthwise_axpy(x, weights, m, g, axpy) -> np.ndarray:
    """depthwise_conv2d as shift-and-add: for each kernel and kernel cell, out += weight * (input shifted).

    The input is split into phase planes (see phase_planes), in which output (oy, ox) meets
    kernel cell (i, j) at a fixed shift: in a plane's cells read row by row, every output of a
    kernel is one run, out[oy * Wq + ox], and each kernel cell adds one shifted run of the input
    to it. The Wq - Wo cells between output rows are scratch, dropped at the end.
    Each call covers at most AXPY_PIECE cells: OpenBLAS runs a longer axpy on extra threads, and
    those threads (SciPy's OpenBLAS, not NumPy's) then spin for a while, competing with NumPy's
    own BLAS threads: a matrix product right after ran 30 times slower.
    """
    planes, rows, cols = phase_planes(x, g, weights.dtype)
    flat = np.ascontiguousarray(planes, dtype=weights.dtype).reshape(-1)
    n_rows, n_cols, c, hq, wq = planes.shape
    (ho, wo), n = g.out, weights.shape[0]
    plane, run = hq * wq, (ho - 1) * wq + wo
    # where kernel cell (i, j) of channel 0 starts reading, in the order of the kernel's cells
    starts = [(p * n_cols + q) * c * plane + r * wq + s for p, r in rows for q, s in cols]
    pieces = -(-run // AXPY_PIECE)
    size = -(-run // pieces)
    out = np.zeros(n * ho * wq, dtype=weights.dtype)
    for k, kernel in enumerate(weights.reshape(n, -1).tolist()):
        for first in range(0, run, size):
            length, channel, at = min(size, run - first), (k // m) * plane + first, k * ho * wq + first
            for start, a in zip(starts, kernel):
                out = axpy(flat, out, length, a, channel + start, 1, at, 1)
    out = out.reshape(n, ho, wq)
    return out if wq == wo else np.ascontiguousarray(out[:, :, :wo])


def depthwise_conv2d_loop(x, w, stride=1, padding=0, dilation=1, counter=None) -> np.ndarray:
    """The same as `depthwise_conv2d`, one multiplication at a time (counted in `counter`)."""
    x, w, m = check_depthwise(x, w)
    g = plan(x.shape[1:], w.shape[1:], stride, padding, dilation)
    (sh, sw), (dh, dw) = g.stride, g.dilation
    xp = pad_input(x, g.pads)
    ho, wo = g.out
    out = np.zeros((w.shape[0], ho, wo))
    mults = adds = 0
    for j in range(w.shape[0]):
        c = j // m
        for oy in range(ho):
            for ox in range(wo):
                total = 0.0
                for a in range(w.shape[1]):
                    for b in range(w.shape[2]):
                        total += xp[c, oy * sh + a * dh, ox * sw + b * dw] * w[j, a, b]
                        mults += 1
                adds += w.shape[1] * w.shape[2] - 1
                out[j, oy, ox] = total
    if counter is not None:
        counter["multiplications"] = counter.get("multiplications", 0) + mults
        counter["additions"] = counter.get("additions", 0) + adds
    return out


def _check_pointwise(x, w) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 3:
        raise ConvConfigError(f"input must have shape (channels, height, width), got {x.shape}")
    if w.ndim != 2 or w.shape[1] != x.shape[0]:
        raise ConvConfigError(
            f"pointwise kernels must have shape (kernels, {x.shape[0]}): one weight per input channel, got {w.shape}"
        )
    return x, w


def pointwise_conv2d(x, w) -> np.ndarray:
    """1 x 1 kernels: at every pixel, the C-vector of that pixel dotted with each kernel.

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (N, C)
    Returns ndarray of shape (N, H, W): the matrix product (N x C) by (C x H*W).
    """
    x, w = _check_pointwise(x, w)
    c, h, width = x.shape
    return (w @ x.reshape(c, h * width)).reshape(w.shape[0], h, width)


def pointwise_conv2d_loop(x, w, counter=None) -> np.ndarray:
    """The same as `pointwise_conv2d`, one multiplication at a time (counted in `counter`)."""
    x, w = _check_pointwise(x, w)
    n, c = w.shape
    out = np.zeros((n, x.shape[1], x.shape[2]))
    mults = 0
    for k in range(n):
        for i in range(x.shape[1]):
            for j in range(x.shape[2]):
                for ch in range(c):
                    out[k, i, j] += x[ch, i, j] * w[k, ch]
                    mults += 1
    if counter is not None:
        counter["multiplications"] = counter.get("multiplications", 0) + mults
        counter["additions"] = counter.get("additions", 0) + n * x.shape[1] * x.shape[2] * (c - 1)
    return out


def _check_groups(c: int, n: int, groups: int) -> None:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ConvConfigError(f"groups must be a whole number of at least 1, got {groups!r}")
    if c % groups:
        raise ConvConfigError(f"{c} input channels cannot be split into {groups} equal groups: choose groups dividing {c}")
    if n % groups:
        raise ConvConfigError(f"{n} kernels cannot be split into {groups} equal groups: choose groups dividing {n}")


def grouped_conv2d(x, w, groups=1, stride=1, padding=0, dilation=1, loop=False) -> np.ndarray:
    """Channels split into `groups`; each group of N/g kernels sees only its C/g channels.

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (N, C / groups, kh, kw) (PyTorch's Conv2d weight with groups=g)
    loop : compute with the plain-loop convolution instead (the reference)
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 3 or w.ndim != 4:
        raise ConvConfigError(f"input (C, H, W) and kernels (N, C/groups, kh, kw) expected, got {x.shape} and {w.shape}")
    c, n = x.shape[0], w.shape[0]
    _check_groups(c, n, groups)
    if w.shape[1] * groups != c:
        raise ConvConfigError(f"with {groups} groups each kernel spans {c // groups} channels, but it has {w.shape[1]}")
    per_in, per_out = c // groups, n // groups
    run = conv2d_loop if loop else conv2d
    parts = [run(x[g * per_in:(g + 1) * per_in], w[g * per_out:(g + 1) * per_out], stride, padding, dilation)
             for g in range(groups)]
    return np.concatenate(parts)


def equivalent_kernel(depthwise, pointwise, channels: int | None = None) -> np.ndarray:
    """The standard kernel that does what depthwise then pointwise do together.

    depthwise : (C * m, kh, kw); pointwise : (N, C * m); channels : C (default: C * m, so m = 1)
    Returns (N, C, kh, kw) with W[n, c] = sum over channel c's m kernels k of P[n, k] * D[k];
    with m = 1, W[n, c] = P[n, c] * D[c]. Every kernel such a layer can be scales the same C
    spatial patterns, which is the expressiveness separability gives up.
    """
    d, p = np.asarray(depthwise, dtype=float), np.asarray(pointwise, dtype=float)
    if d.ndim != 3 or p.ndim != 2 or p.shape[1] != d.shape[0]:
        raise ConvConfigError(f"depthwise (C·m, kh, kw) and pointwise (N, C·m) expected, got {d.shape} and {p.shape}")
    channels = d.shape[0] if channels is None else int(channels)
    if channels < 1 or d.shape[0] % channels:
        raise ConvConfigError(f"{d.shape[0]} depthwise kernels do not share out over {channels} channels")
    m = d.shape[0] // channels
    scaled = p[:, :, None, None] * d[None]  # (N, C*m, kh, kw)
    return scaled.reshape(p.shape[0], channels, m, *d.shape[1:]).sum(axis=2)


def depthwise_cost(in_shape, kernel, multiplier=1, stride=1, padding=0, dilation=1, bias=False) -> Cost:
    """C * m kernels of kh x kw, each on its own channel: multiplications = C * m * Ho * Wo * kh * kw."""
    c, h, w = checked_in_shape(in_shape)
    m = whole_number(multiplier, "depth multiplier")
    if m < 1:
        raise ConvConfigError(f"depth multiplier must be at least 1, got {m}")
    g = plan((h, w), kernel, stride, padding, dilation)
    (kh, kw), (ho, wo) = g.kernel, g.out
    mults, adds = _count(ho * wo, kh * kw, c * m, bias)
    return Cost(mults, adds, c * m * kh * kw + (c * m if bias else 0), (c * m, ho, wo))


def pointwise_cost(in_shape, out_channels, bias=False) -> Cost:
    """N kernels of 1 x 1 x C at every pixel: multiplications = N * H * W * C."""
    c, h, w = checked_in_shape(in_shape)
    n = _kernel_count(out_channels)
    mults, adds = _count(h * w, c, n, bias)
    return Cost(mults, adds, n * c + (n if bias else 0), (n, h, w))


def depthwise_separable_cost(in_shape, kernel, out_channels, stride=1, padding=0, dilation=1, bias=False) -> Cost:
    """Depthwise (one kernel per channel) then pointwise (N kernels of 1 x 1 x C).

    bias follows Keras' SeparableConv2D: one bias per output channel, none in the depthwise stage.
    """
    first = depthwise_cost(in_shape, kernel, 1, stride, padding, dilation, bias=False)
    return first + pointwise_cost(first.out_shape, out_channels, bias)


def grouped_cost(in_shape, kernel, out_channels, groups=1, stride=1, padding=0, dilation=1, bias=False) -> Cost:
    """N kernels of kh x kw x (C / g): multiplications = N * Ho * Wo * (C / g) * kh * kw."""
    c, h, w = checked_in_shape(in_shape)
    n = _kernel_count(out_channels)
    _check_groups(c, n, groups)
    g = plan((h, w), kernel, stride, padding, dilation)
    (kh, kw), (ho, wo) = g.kernel, g.out
    mults, adds = _count(ho * wo, (c // groups) * kh * kw, n, bias)
    return Cost(mults, adds, n * (c // groups) * kh * kw + (n if bias else 0), (n, ho, wo))
