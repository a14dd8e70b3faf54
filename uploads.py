"""Images from the user or from assets/: decoded safely into (C, H, W) float32 arrays in [0, 1].

Only PNG and JPEG, recognised by their first bytes (not by the file's name); the file size and the
declared pixel count are checked before any pixel is decoded, so a decompression bomb is refused,
not decoded. A JPEG is decoded at a reduced scale where it is large; a large PNG is reduced a tile
at a time, so memory stays close to the decoded 8-bit image at most (40 million pixels, 160 MB for
RGBA) and is far less for a JPEG. Everything happens in memory: nothing is written to disk.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import ExifTags, Image, JpegImagePlugin, PngImagePlugin

MAX_SIDE = 1024  # larger images are scaled down to this, with a notice
MAX_DECLARED_PIXELS = 40_000_000  # above this the file is refused before decoding
MAX_FILE_MB = 10  # the same as server.maxUploadSize in .streamlit/config.toml (Streamlit's MB: 1024 × 1024 bytes)
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
ACCEPTED = f"a PNG or JPEG image of up to {MAX_FILE_MB} MB and {MAX_DECLARED_PIXELS // 1_000_000} million pixels"
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
# Only reading the header: Image.open would add Pillow's own bomb check, which the pixel check here
# makes redundant (it is stricter) and which needs the process-wide warnings filter to be an error.
_OPENERS = {"PNG": PngImagePlugin.PngImageFile, "JPEG": JpegImagePlugin.JpegImageFile}
# Other formats, named in the message: a GIF or WebP renamed .png gets past the uploader's type check.
_OTHER_FORMATS = {b"GIF87a": "GIF", b"GIF89a": "GIF", b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF",
                  b"%PDF": "PDF", b"\x00\x00\x01\x00": "ICO"}
_TILE = 1024  # a large image is reduced in tiles of about this side, never converted whole
# EXIF orientation -> the transpose that shows the image as a viewer does (as PIL.ImageOps.exif_transpose)
_ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                 4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError)


class ImageError(ValueError):
    """An image that cannot be used; the message says what is wrong and what to do."""


def load_image(data: bytes, max_side: int = MAX_SIDE) -> tuple[np.ndarray, list[str]]:
    """Decode PNG or JPEG bytes to (C, H, W) float32 in [0, 1], C = 1 (grey) or 3 (colour).

    The image is turned as its EXIF orientation says (as a photo viewer shows it), transparent
    parts are shown on white, 16-bit values are scaled to [0, 1], and a palette becomes colour.
    Returns the array and a list of notices (scaled down, transparency shown on white, ...).
    Raises ImageError, with a message saying what is wrong and what to do, for anything else.
    """
    if not data:
        raise ImageError(f"the file is empty (0 bytes): choose {ACCEPTED}")
    if len(data) > MAX_FILE_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f} MB"
        size = size if float(size[:-3]) > MAX_FILE_MB else f"{len(data):,} bytes"  # never "10.0 MB, more than 10 MB"
        raise ImageError(f"the file is {size}, more than the {MAX_FILE_MB} MB this app accepts: save the "
                         "image smaller (fewer pixels, or as JPEG) and upload it again")
    kind = next((name for sig, name in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        other = next((name for sig, name in _OTHER_FORMATS.items() if data.startswith(sig)), None)
        if other is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            other = "WebP"
        what = f"this is a {other} file, not a PNG or JPEG file" if other else "this is not a PNG or JPEG file"
        raise ImageError(f"{what}, whatever its name says: save the image as PNG or JPEG and upload it again "
                         f"({ACCEPTED})")
    notices = []
    try:
        image = _OPENERS[kind](io.BytesIO(data))  # the header only: no pixel is decoded yet
        width, height = image.size
        if width * height > MAX_DECLARED_PIXELS or width < 1 or height < 1:
            raise ImageError(
                f"the image declares {width:,}×{height:,} pixels, more than this app decodes "
                f"({MAX_DECLARED_PIXELS // 1_000_000} million pixels, such as 8,000×5,000), so it was not "
                "decoded: scale it down and upload it again"
            )
        if getattr(image, "n_frames", 1) > 1:
            notices.append("the image has several frames; only the first is used")
        target = _fit(width, height, max_side)
        if kind == "JPEG" and target != (width, height):
            image.draft(None, target)  # decode at 1/2, 1/4 or 1/8 scale, still at least the target size
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        turn = _ORIENTATIONS.get(orientation) if isinstance(orientation, int) else None
        image = _reduced(image, target)
    except ImageError:
        raise
    except _DECODE_ERRORS as error:
        raise ImageError(f"the {kind} file could not be decoded ({type(error).__name__}): it may be truncated or "
                         "damaged; export it again and upload it once more") from None
    if turn is not None:
        image = image.transpose(turn)
        if orientation >= 5:  # a quarter turn: the sizes in the notice are the sizes as shown
            width, height = height, width
    pixels = _to_array(image, notices)
    if (width, height) != image.size:
        notices.append(f"scaled down from {width:,}×{height:,} to {image.width:,}×{image.height:,} pixels "
                       f"(at most {max_side:,} on a side)")
    return pixels, notices


def _fit(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size with the longer side at most max_side, the aspect kept."""
    if max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _working_mode(image: Image.Image) -> str:
    """The mode the pixels are reduced in: L, LA, RGB, RGBA, or I (16-bit grey)."""
    mode, transparent = image.mode, "transparency" in image.info
    if mode.startswith("I"):
        return "I"
    if mode in ("1", "L"):
        return "LA" if transparent else "L"
    if mode in ("LA", "RGBA"):
        return mode
    if mode == "PA" or (mode in ("P", "RGB") and transparent):
        return "RGBA"
    return "RGB"  # palette, CMYK, YCbCr, ...


def _reduced(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """The image in its working mode at the target size, converted and reduced a tile at a time.

    Each tile (a multiple of the reduction factor on a side) is converted and reduced by that whole
    factor, so no full-size copy of the image is made; a box filter then gives the exact size.
    """
    mode, (width, height) = _working_mode(image), image.size
    factor = max(1, min(width // target[0], height // target[1]))
    if factor == 1:
        small = image.convert(mode) if image.mode != mode else image
    else:
        tile = factor * max(1, _TILE // factor)
        small = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
        for top in range(0, height, tile):
            for left in range(0, width, tile):
                part = image.crop((left, top, min(width, left + tile), min(height, top + tile)))
                small.paste(part.convert(mode).reduce(factor), (left // factor, top // factor))
    if small.size != target:
        small = small.resize(target, Image.Resampling.BOX)
    return small


def _to_array(image: Image.Image, notices: list[str]) -> np.ndarray:
    """(C, H, W) float32 in [0, 1] from an image in a working mode; transparency is shown on white."""
    if image.mode == "I":  # 16-bit grey (Pillow opens 8-bit grey PNGs as L)
        return np.clip(np.asarray(image, dtype=np.float32) / 65535.0, 0, 1)[None]
    values = np.asarray(image, dtype=np.float32) / 255.0
    values = values[..., None] if values.ndim == 2 else values
    if image.mode in ("LA", "RGBA"):
        colour, alpha = values[..., :-1], values[..., -1:]
        if alpha.min() < 1:
            notices.append("transparent parts are shown on white")
        values = colour * alpha + (1 - alpha)
    return np.ascontiguousarray(np.moveaxis(values, -1, 0))
