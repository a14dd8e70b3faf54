"""Decodes one uploaded image in a process of its own, within the memory and CPU time it is given.

uploads.load_image runs this file by its path with the Python that runs the app, one process per
upload, and reads its answer:

    python decode_worker.py REQUEST < the file's bytes

    REQUEST: JSON (kind "PNG" or "JPEG", max_side, max_pixels, tile, memory in bytes, cpu in seconds,
             length of the file in bytes)
    answer:  one line of JSON, then the pixels (Image.tobytes) when it worked:
             {"mode", "size", "shown", "frames", "peak"} or {"error": "memory" | "declared" | "decode", ...}

The process first limits its own address space (RLIMIT_AS: what it holds now plus `memory`) and CPU
time (RLIMIT_CPU), then decodes with Pillow, reduces the image a tile at a time to at most
max_side on a side, and turns it as its EXIF orientation says. A process that runs out of memory
gets a MemoryError (answered as "memory"), one that runs out of CPU time is ended by the system
(SIGXCPU), one that takes too long is ended by its parent; either way all its memory goes back to
the system when it ends, and the app's own process never holds a decoded image at full size.
Imports only the standard library and Pillow, so it starts in about 60 ms.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import traceback

from PIL import ExifTags, Image, JpegImagePlugin, PngImagePlugin

try:
    import resource
except ImportError:  # not POSIX: no limits, the parent's timeout still applies
    resource = None

# Only reading the header: Image.open would add Pillow's own bomb check, which the pixel check here
# makes redundant (it is stricter) and which needs the process-wide warnings filter to be an error.
OPENERS = {"PNG": PngImagePlugin.PngImageFile, "JPEG": JpegImagePlugin.JpegImageFile}
# EXIF orientation -> the transpose that shows the image as a viewer does (as PIL.ImageOps.exif_transpose)
ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
NICENESS = 10  # added to the server's: the decoder gets a core when the server does not need it
# What Pillow raises for a damaged file; anything else is answered the same way, its traceback on stderr
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError)


class Declared(Exception):
    """The file declares more pixels than the app decodes."""


def fit(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size with the longer side at most max_side, the aspect kept."""
    if max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode(data: bytes, kind: str, max_side: int, max_pixels: int, tile: int) -> tuple[Image.Image, tuple, bool]:
    """The image in its working mode, at most max_side on a side and turned as shown; its size as
    shown before it was scaled down; whether the file has several frames. Raises Declared, or what
    Pillow raises for a damaged file."""
    image = OPENERS[kind](io.BytesIO(data))  # the header only: no pixel is decoded yet
    width, height = image.size
    if width * height > max_pixels or width < 1 or height < 1:
        raise Declared(width, height)
    frames = getattr(image, "n_frames", 1) > 1
    target = fit(width, height, max_side)
    if kind == "JPEG" and target != (width, height):
        image.draft(None, target)  # decode at 1/2, 1/4 or 1/8 scale, still at least the target size
    image.load()
    orientation = image.getexif().get(ExifTags.Base.Orientation)
    turn = ORIENTATIONS.get(orientation) if isinstance(orientation, int) else None
    image = reduced(image, target, tile)
    if turn is not None:
        image = image.transpose(turn)
        if orientation >= 5:  # a quarter turn: the sizes in the notice are the sizes as shown
            width, height = height, width
    return image, (width, height), frames


def working_mode(image: Image.Image) -> str:
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


def reduced(image: Image.Image, target: tuple[int, int], tile: int) -> Image.Image:
    """The image in its working mode at the target size, converted and reduced a tile at a time.

    Each axis has its own whole reduction factor (a 1×40,000,000 strip is reduced 39,062 times
    along its length and not at all across), each tile is a multiple of the factors and reduced by
    them, so no full-size copy of the image is made; a box filter then gives the exact size.
    """
    mode, (width, height) = working_mode(image), image.size
    factors = (max(1, width // target[0]), max(1, height // target[1]))
    if factors == (1, 1):
        small = image.convert(mode) if image.mode != mode else image
    else:
        step_x, step_y = (factor * max(1, tile // factor) for factor in factors)
        small = Image.new(mode, (math.ceil(width / factors[0]), math.ceil(height / factors[1])))
        for top in range(0, height, step_y):
            for left in range(0, width, step_x):
                part = image.crop((left, top, min(width, left + step_x), min(height, top + step_y)))
                part = part.convert(mode) if part.mode != mode else part
                small.paste(part.reduce(factors), (left // factors[0], top // factors[1]))
    if small.size != target:
        small = small.resize(target, Image.Resampling.BOX)
    return small


def address_space() -> int | None:
    """This process's address space now, in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def peak_memory() -> int | None:
    """This process's peak resident memory, in bytes (Linux), or None."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return None


def limit(memory: int, cpu: int) -> None:
    """At most `memory` bytes more address space than now, and `cpu` seconds of CPU time (then
    SIGXCPU ends the process; SIGKILL a second later). A lower priority than the server's, so that
    on a busy machine the server answers its other sessions first."""
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    if resource is None:
        return
    now = address_space()
    if now is not None:
        resource.setrlimit(resource.RLIMIT_AS, (now + memory, now + memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def answer(request: dict, data: bytes) -> tuple[dict, bytes]:
    """The answer's JSON and pixels for one request."""
    try:
        image, shown, frames = decode(data, request["kind"], request["max_side"], request["max_pixels"],
                                      request["tile"])
        return {"mode": image.mode, "size": image.size, "shown": shown, "frames": frames}, image.tobytes()
    except MemoryError:
        return {"error": "memory"}, b""
    except Declared as declared:
        return {"error": "declared", "size": declared.args}, b""
    except Exception as error:  # noqa: BLE001 - whatever the file does, the parent gets an answer
        if "out of memory" in str(error):  # Pillow's decoders report a failed allocation as OSError
            return {"error": "memory"}, b""
        if not isinstance(error, DECODE_ERRORS):
            traceback.print_exc()  # not a kind of damage Pillow is known to report: the detail for the log
        return {"error": "decode", "type": type(error).__name__}, b""


def main() -> None:
    request = json.loads(sys.argv[1])
    limit(request["memory"], request["cpu"])
    data = sys.stdin.buffer.read(request["length"])  # read into one buffer of that size
    reply, pixels = answer(request, data)
    reply["peak"] = peak_memory()
    stdout = sys.stdout.buffer
    stdout.write(json.dumps(reply).encode() + b"\n")
    stdout.write(pixels)
    stdout.flush()


if __name__ == "__main__":
    main()
