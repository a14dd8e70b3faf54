"""The Spatially separable page's real-image panel: a sample or an uploaded image filtered by the full kernel
and by the two passes, as four pictures with their counts. No Streamlit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

import engine
import uploads
import viz
from engine import ConvConfigError
from viz import images

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SAMPLES = {"shapes (colour)": "shapes.png", "rings (grey)": "rings.png"}
UPLOAD = "upload your own"
SOURCES = [*SAMPLES, UPLOAD]
UPLOAD_TYPES = ["png", "jpg", "jpeg"]
# The browser refuses a larger file before it is sent (the box marks it red, its reason only on hover),
# except one on Windows, which counts a megabyte as 1,048,576 bytes: that one gets uploads' message.
UPLOAD_CAPTION = (f"Accepted: {uploads.ACCEPTED}; more than {uploads.MAX_SIDE:,} pixels on a side is scaled down. "
                  f"A file over {uploads.MAX_FILE_MB} MB ({uploads.MAX_FILE_BYTES:,} bytes) is refused: the box "
                  "above marks it in red, or a message says why.")
CAPTION = ("Filter responses are coloured on one scale: red positive, blue negative, white zero (averaged over "
           "colour channels; the strongest 1% of pixels saturate); the difference uses the same scale, so "
           "floating-point rounding stays white. Counts are for every channel of this image.")
ROUNDING = 1e-5  # float32 filtering: a difference this small against the responses' scale is rounding
SATURATED_PERCENTILE = 99  # a few extreme pixels do not wash out the rest: thin edges show in strong colour


def sample(source: str) -> bytes | None:
    """A sample image's file, by its name in SAMPLES; None for UPLOAD."""
    return None if source == UPLOAD else (ASSETS / SAMPLES[source]).read_bytes()


@dataclass(frozen=True)
class ImageFilter:
    """What the panel filters with: the kernel and its two factors (or its best rank-1 kernel's), the
    stride, the padding and the operation. Hashable, and free of the page's input sizes and seed, so
    moving those does not filter the image again."""

    kernel: tuple  # rows of the (kh, kw) kernel
    col: tuple
    row: tuple
    stride: int
    padding: int | str
    operation: str

    @classmethod
    def of(cls, kernel, col, row, stride, padding, operation) -> "ImageFilter":
        return cls(tuple(map(tuple, np.asarray(kernel, dtype=float).tolist())), tuple(np.asarray(col, float).tolist()),
                   tuple(np.asarray(row, float).tolist()), stride, padding, operation)


@dataclass(frozen=True)
class Picture:
    jpeg: bytes  # as st.image would encode it
    caption: str


@dataclass(frozen=True)
class FilteredImage:
    """The panel: what was done to the image (sentences), then either four pictures or why the image
    cannot be filtered with this configuration."""

    notices: list
    pictures: list
    error: ConvConfigError | None = None


def jpeg(pixels: np.ndarray) -> bytes:
    """An (H, W) or (H, W, 3) uint8 image as the JPEG st.image would make of it (quality 100)."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=100)
    return out.getvalue()


def difference_caption(largest: float, scale: float) -> str:
    """What the difference picture shows, said: a blank picture must not look like a failed one. `scale` is
    the filtered pictures' (their colours' full strength)."""
    if largest == 0:
        return "difference: none, the two routes agree exactly (a blank picture)"
    if largest <= ROUNDING * scale:
        return f"difference: largest {largest:.3g}, floating-point rounding: the two routes agree (a blank picture)"
    return f"difference: largest {largest:.3g}"


def filter_image(data: bytes, image_filter: ImageFilter) -> FilteredImage:
    """Decode the file (uploads.load_image, which raises uploads.ImageError for a file it cannot use), then
    filter every channel with the full kernel and with the two passes."""
    pixels, notices = uploads.load_image(data)
    notices = [notice.capitalize() + "." for notice in notices]
    kernel = np.array(image_filter.kernel, dtype=np.float32)
    stride, padding, operation = image_filter.stride, image_filter.padding, image_filter.operation
    channels, height, width = pixels.shape
    try:
        full = np.stack([engine.conv2d(plane[None], kernel[None, None], stride, padding, operation=operation)[0]
                         for plane in pixels])
    except ConvConfigError as error:
        return FilteredImage(notices, [], error)
    _, two_pass = engine.two_pass_conv2d(pixels, image_filter.col, image_filter.row, stride, padding,
                                         operation=operation)
    full_cost = engine.standard_cost((1, height, width), kernel.shape, 1, stride, padding)
    two_pass_cost = engine.spatially_separable_cost((channels, height, width), kernel.shape, stride, padding)
    scale = float(max(np.percentile(np.abs(full), SATURATED_PERCENTILE), 1e-9))
    difference = np.abs(full - two_pass).max(axis=0)
    pictures = [
        (images.grey_image(pixels), f"input {width}×{height}, {channels} channel{'s' if channels > 1 else ''}"),
        (images.signed_image(full.mean(axis=0), scale),
         f"full kernel: {viz.count(channels * full_cost.multiplications)} multiplications"),
        (images.signed_image(two_pass.mean(axis=0), scale),
         f"two passes: {viz.count(two_pass_cost.multiplications)} multiplications"),
        (images.signed_image(difference, scale),  # the filtered images' scale: rounding noise stays white
         difference_caption(float(difference.max()), scale)),
    ]
    return FilteredImage(notices, [Picture(jpeg(image), caption) for image, caption in pictures])
