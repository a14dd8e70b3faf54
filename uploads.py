"""Images from the user or from assets/: decoded safely into (C, H, W) float32 arrays in [0, 1].

Only PNG and JPEG, recognised by their first bytes; the declared size is checked before any
pixel is decoded (a decompression bomb is refused, not decoded); large images are reduced while
decoding. Nothing is written to disk.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

MAX_SIDE = 1024  # larger images are scaled down to this, with a notice
MAX_DECLARED_PIXELS = 40_000_000  # above this the file is refused before decoding
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class ImageError(ValueError):
    """An image that cannot be used; the message says what is wrong and what to do."""


def load_image(data: bytes, max_side: int = MAX_SIDE) -> tuple[np.ndarray, list[str]]:
    """Decode PNG or JPEG bytes to (C, H, W) float32 in [0, 1], C = 1 (grey) or 3 (colour).

    Returns the array and a list of notices (scaled down, transparency dropped, ...).
    Raises ImageError for anything that is not a usable PNG or JPEG.
    """
    if not data:
        raise ImageError("the file is empty: choose a PNG or JPEG image")
    kind = next((name for sig, name in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise ImageError("this is not a PNG or JPEG file: save the image as PNG or JPEG and upload it again")
    notices = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width * height > MAX_DECLARED_PIXELS or width < 1 or height < 1:
                raise ImageError(
                    f"the image declares {width:,}×{height:,} pixels, more than this app will decode "
                    f"({MAX_DECLARED_PIXELS // 1_000_000} million): use a smaller image"
                )
            if getattr(image, "n_frames", 1) > 1:
                notices.append("the image has several frames; only the first is used")
            if kind == "JPEG":
                image.draft("RGB", (max_side, max_side))  # decode at a reduced scale where JPEG allows
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("the image declares far more pixels than its file size allows (a decompression bomb): "
                         "use an ordinary PNG or JPEG") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(f"the {kind} file could not be decoded ({type(error).__name__}): "
                         "it may be truncated or damaged; export it again and upload it once more") from None
    pixels = _to_array(image, notices)
    if max(pixels.shape[1:]) > max_side:
        pixels = _shrink(pixels, max_side)
    if max(width, height) > max(pixels.shape[1:]):
        notices.append(f"scaled down from {width:,}×{height:,} to {pixels.shape[2]:,}×{pixels.shape[1]:,} pixels "
                       f"(at most {max_side:,} on a side)")
    return pixels, notices


def _to_array(image: Image.Image, notices: list[str]) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max() > 255 or mode.startswith("I;16") else 255.0
        return (np.clip(values / top, 0, 1)[None]).astype(np.float32)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
        notices.append("transparent parts are shown on white")
    elif mode in ("L", "1"):
        return (np.asarray(image.convert("L"), dtype=np.float32) / 255.0)[None]
    else:
        image = image.convert("RGB")  # palette, CMYK, YCbCr, 16-bit colour...
    return np.moveaxis(np.asarray(image, dtype=np.float32) / 255.0, -1, 0)


def _shrink(pixels: np.ndarray, max_side: int) -> np.ndarray:
    """Scale (C, H, W) down so the longer side is max_side (area averaging by Pillow)."""
    c, h, w = pixels.shape
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    planes = [np.asarray(Image.fromarray(p).resize(size, Image.Resampling.BOX), dtype=np.float32) for p in pixels]
    return np.stack(planes)
