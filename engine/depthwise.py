"""Depthwise, pointwise and grouped convolution: the two stages of MobileNet's separable layer.

Depthwise: one kh x kw kernel per input channel (m per channel with a depth multiplier m), each
sliding over its own channel only. Pointwise: 1 x 1 kernels that mix the channels at every pixel.
Grouped: C channels in g groups, each group a standard convolution; g = 1 is the standard
convolution, g = C (with one kernel per channel) is depthwise.
"""

from __future__ import annotations

import numpy as np

from .conv import conv2d, conv2d_loop, im2col_blocks, pad_input
from .costs import Cost, _count, _in_shape
from .errors import ConvConfigError
from .geometry import as_pair, plan


def _check_depthwise(x, w) -> tuple[np.ndarray, np.ndarray, int]:
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


# cells of gathered windows per block; 2**19 (2 MB of float32) measured fastest here for 32x112x112 3x3,
# against 2**17 and 2**22 (the whole matrix), which were 10-20% slower
DEPTHWISE_BLOCK = 2**19


def depthwise_conv2d(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Each channel filtered by its own kernels.

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (C * m, kh, kw); output channel j filters input channel j // m
        (PyTorch's Conv2d with groups=C)
    Returns ndarray of shape (C * m, Ho, Wo).
    """
    x, w, m = _check_depthwise(x, w)
    g = plan(x.shape[1:], w.shape[1:], stride, padding, dilation)
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    (ho, wo), (kh, kw), c = g["out"], w.shape[1:], x.shape[0]
    weights = w.reshape(c, m, kh * kw).astype(dtype, copy=False)
    out = np.empty((c, m, ho * wo), dtype=dtype)
    # per channel, its windows as a (kh*kw x Ho*Wo) matrix; its m kernels as (m x kh*kw): a batched
    # product over a few channels at a time, so the gathered windows stay in the processor's cache
    for channels, positions, cols in im2col_blocks(x, g, dtype, DEPTHWISE_BLOCK, all_channels=False):
        np.matmul(weights[channels], cols, out=out[channels, :, positions])
    return out.reshape(c * m, ho, wo)


def depthwise_conv2d_loop(x, w, stride=1, padding=0, dilation=1, counter=None) -> np.ndarray:
    """The same as `depthwise_conv2d`, one multiplication at a time (counted in `counter`)."""
    x, w, m = _check_depthwise(x, w)
    g = plan(x.shape[1:], w.shape[1:], stride, padding, dilation)
    (sh, sw), (dh, dw) = g["stride"], g["dilation"]
    xp = pad_input(x, g["pads"])
    ho, wo = g["out"]
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
    c, h, w = _in_shape(in_shape)
    m = as_pair(multiplier, "depth multiplier")[0]
    if m < 1:
        raise ConvConfigError(f"depth multiplier must be at least 1, got {m}")
    g = plan((h, w), kernel, stride, padding, dilation)
    (kh, kw), (ho, wo) = g["kernel"], g["out"]
    mults, adds = _count(ho * wo, kh * kw, c * m, bias)
    return Cost(mults, adds, c * m * kh * kw + (c * m if bias else 0), (c * m, ho, wo))


def pointwise_cost(in_shape, out_channels, bias=False) -> Cost:
    """N kernels of 1 x 1 x C at every pixel: multiplications = N * H * W * C."""
    c, h, w = _in_shape(in_shape)
    n = as_pair(out_channels, "number of kernels")[0]
    if n < 1:
        raise ConvConfigError(f"number of kernels must be at least 1, got {n}")
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
    c, h, w = _in_shape(in_shape)
    n = as_pair(out_channels, "number of kernels")[0]
    _check_groups(c, n, groups)
    g = plan((h, w), kernel, stride, padding, dilation)
    (kh, kw), (ho, wo) = g["kernel"], g["out"]
    mults, adds = _count(ho * wo, (c // groups) * kh * kw, n, bias)
    return Cost(mults, adds, n * (c // groups) * kh * kw + (n if bias else 0), (n, ho, wo))
