"""An outside reference for the engine: scipy.signal.correlate2d, summed over channels."""

import numpy as np
from scipy.signal import correlate2d


def dilate(kernel: np.ndarray, dh: int, dw: int) -> np.ndarray:
    """A kh x kw kernel spread out with zeros between its cells (dilation)."""
    kh, kw = kernel.shape
    out = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1))
    out[::dh, ::dw] = kernel
    return out


def reference_conv2d(x, w, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """x (C, H, W), w (N, C, kh, kw) with explicit pads ((top, bottom), (left, right))."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1]))
    out = []
    for kernel in w:
        total = sum(correlate2d(xp[c], dilate(kernel[c], *dilation), mode="valid") for c in range(x.shape[0]))
        out.append(total[:: stride[0], :: stride[1]])
    return np.stack(out)
