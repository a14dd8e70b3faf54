"""Images for st.image: signed filter responses through the diverging colour scale."""

from __future__ import annotations

import numpy as np

from . import style


def _lut(n: int = 256) -> np.ndarray:
    stops = np.array([p for p, _ in style.DIVERGING])
    colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in style.DIVERGING], dtype=float)
    t = np.linspace(0, 1, n)
    return np.stack([np.interp(t, stops, colours[:, i]) for i in range(3)], axis=1).astype(np.uint8)


LUT = _lut()


def signed_image(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(H, W) values to an (H, W, 3) uint8 image: white at zero, red positive, blue negative.

    scale : the magnitude shown at full colour; by default the largest |value|.
    """
    values = np.asarray(values, dtype=float)
    if scale is None:
        scale = float(np.abs(values).max()) if values.size else 1.0
    scale = scale if scale > 0 else 1.0
    index = np.clip(np.round((values / scale + 1) / 2 * 255), 0, 255).astype(np.uint8)
    return LUT[index]


def grey_image(values: np.ndarray) -> np.ndarray:
    """(C, H, W) in [0, 1] to something st.image shows: (H, W) grey or (H, W, 3) colour, uint8."""
    values = np.clip(np.asarray(values, dtype=float), 0, 1)
    pixels = np.round(values * 255).astype(np.uint8)
    return pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels[:3], 0, -1)
