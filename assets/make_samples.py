"""Makes the sample images and the favicon in this folder (run from the repository root:
python assets/make_samples.py).

All are made by this project from formulas, so there is no licence question.
"""

from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent


def shapes(size: int = 512) -> np.ndarray:
    """Flat shapes with edges in every direction, in colour: a square, a disc, a triangle, stripes."""
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.empty((size, size, 3))
    img[:] = (0.92, 0.90, 0.84)
    img[(x > 0.08) & (x < 0.42) & (y > 0.1) & (y < 0.44)] = (0.15, 0.35, 0.65)
    img[(x - 0.7) ** 2 + (y - 0.28) ** 2 < 0.17 ** 2] = (0.80, 0.25, 0.20)
    img[(y > 0.55) & (y < 0.92) & (np.abs(x - 0.28) < (y - 0.55) * 0.5)] = (0.95, 0.70, 0.15)
    stripes = (x > 0.55) & (x < 0.95) & (y > 0.55) & (y < 0.92)
    img[stripes & (np.floor((x + y) * 20) % 2 == 0)] = (0.2, 0.2, 0.2)
    return (img * 255).round().astype(np.uint8)


def rings(size: int = 512) -> np.ndarray:
    """A zone plate: rings whose frequency grows outwards, good for seeing what a filter keeps."""
    y, x = (np.mgrid[0:size, 0:size] - size / 2) / size
    return ((np.cos(2 * np.pi * 60 * (x * x + y * y)) + 1) / 2 * 255).round().astype(np.uint8)


def favicon(size: int = 64) -> np.ndarray:
    """The browser tab's icon: a 3×3 kernel in the app's diverging colours (blue, grey, red columns,
    as a vertical-edge kernel looks), on a transparent background. RGBA."""
    columns = [(33, 102, 172), (150, 150, 150), (178, 24, 43)]  # RdBu ends; grey reads on light and dark tabs
    img = np.zeros((size, size, 4), dtype=np.uint8)
    gap = max(1, size // 32)
    cell = (size - 2 * gap) // 3  # three cells and two gaps fill the square
    for row in range(3):
        for col in range(3):
            top, left = row * (cell + gap), col * (cell + gap)
            img[top:top + cell, left:left + cell] = (*columns[col], 255)
    return img


if __name__ == "__main__":
    Image.fromarray(shapes()).save(HERE / "shapes.png", optimize=True)
    Image.fromarray(rings()).save(HERE / "rings.png", optimize=True)
    Image.fromarray(favicon()).save(HERE / "favicon.png", optimize=True)
