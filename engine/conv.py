"""Standard 2-D convolution, channels first, one image.

Technically cross-correlation, as in PyTorch and Keras: the kernel is not flipped.
`conv2d` is vectorised; `conv2d_loop` is its plain-loop twin, the reference it is tested against
and the text a student can read.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import ConvConfigError
from .geometry import plan


def _check_arrays(x, w) -> tuple[np.ndarray, np.ndarray]:
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
    """x (C, H, W) with zeros added: pads = ((top, bottom), (left, right))."""
    return np.pad(np.asarray(x), ((0, 0), tuple(pads[0]), tuple(pads[1])))


def windows(x: np.ndarray, kernel_hw, stride=1, padding=0, dilation=1):
    """Every window the kernel sees, as a strided view.

    x : ndarray of shape (C, H, W).
    Returns (view of shape (C, Ho, Wo, kh, kw), geometry dict from `plan`).
    """
    g = plan(x.shape[1:], kernel_hw, stride, padding, dilation)
    (kh, kw), (sh, sw), (dh, dw) = g["kernel"], g["stride"], g["dilation"]
    xp = pad_input(x, g["pads"])
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    view = sliding_window_view(xp, (span_h, span_w), axis=(1, 2))
    view = view[:, ::sh, ::sw, ::dh, ::dw]
    ho, wo = g["out"]
    return view[:, :ho, :wo], g


IM2COL_LIMIT = 4_000_000  # cells in the im2col matrix; larger inputs use shift-and-add


def conv2d(x, w, stride=1, padding=0, dilation=1, bias=None) -> np.ndarray:
    """Cross-correlate x with N kernels.

    x : ndarray of shape (C, H, W)
    w : ndarray of shape (N, C, kh, kw)
    stride, dilation : int or (rows, cols)
    padding : int, (rows, cols), ((top, bottom), (left, right)), or "valid" | "same" | "full"
    bias : None or ndarray of shape (N,)
    Returns ndarray of shape (N, Ho, Wo).

    Small problems gather every window into one matrix (im2col) and do one matrix product;
    large ones (an image) add up kh x kw shifted, strided views instead, so memory stays the
    size of the output.
    """
    x, w = _check_arrays(x, w)
    n, c, kh, kw = w.shape
    view, g = windows(x, (kh, kw), stride, padding, dilation)
    ho, wo = g["out"]
    dtype = np.result_type(x.dtype, w.dtype, np.float32)  # integers compute in float64
    weights = w.astype(dtype, copy=False)
    if ho * wo * c * kh * kw <= IM2COL_LIMIT:
        # im2col: one row per (channel, kernel row, kernel column), one column per output position;
        # gathered in this order, each row copies a run of neighbouring input cells.
        cols = view.transpose(0, 3, 4, 1, 2).reshape(c * kh * kw, ho * wo).astype(dtype, copy=False)
        out = (weights.reshape(n, c * kh * kw) @ cols).reshape(n, ho, wo)
    else:
        out = np.zeros((n, ho, wo), dtype=dtype)
        for i in range(kh):
            for j in range(kw):
                # view[:, :, :, i, j] is the cell (i, j) of every window: (C, Ho, Wo)
                shifted = view[:, :, :, i, j].astype(dtype, copy=False)
                out += np.tensordot(weights[:, :, i, j], shifted, axes=(1, 0))
    if bias is not None:
        out = out + _check_bias(bias, n)[:, None, None]
    return out


def _check_bias(bias, n: int) -> np.ndarray:
    b = np.asarray(bias)
    if b.shape != (n,):
        raise ConvConfigError(f"bias must have one value per kernel, shape ({n},), got {b.shape}")
    return b


def conv2d_loop(x, w, stride=1, padding=0, dilation=1, bias=None, counter=None) -> np.ndarray:
    """The same as `conv2d`, one multiplication at a time.

    counter : optional dict; counter["multiplications"] and counter["additions"] are
    incremented for every multiply and add performed, padded zeros included.
    """
    x, w = _check_arrays(x, w)
    n_kernels, channels, kh, kw = w.shape
    g = plan(x.shape[1:], (kh, kw), stride, padding, dilation)
    (sh, sw), (dh, dw) = g["stride"], g["dilation"]
    xp = pad_input(x, g["pads"])
    ho, wo = g["out"]
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
