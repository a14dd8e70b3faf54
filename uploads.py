"""Images from the user or from assets/: decoded safely into (C, H, W) float32 arrays in [0, 1].

Only PNG and JPEG, recognised by their first bytes (not by the file's name). Before any pixel is
decoded, this process reads the header: the file size, the declared pixel count, the memory the
decoder will need (pixels × bytes a pixel, its row buffers, a progressive JPEG's coefficients) and,
for a JPEG, its scans (SOS markers) and the work they make; a decompression bomb, a 1×40,000,000
strip or a JPEG of a thousand scans is refused here, with a message, in a few milliseconds.

Then a separate process decodes it (decode_worker.py, run by its path with this Python): its
address space and CPU time are limited by the process itself, this process ends it when it takes
too long, and at most CONCURRENT_DECODES run at once. It sends back the image already reduced to at
most MAX_SIDE on a side (a JPEG decoded at a reduced scale, a PNG reduced a tile at a time), so the
server's own process never holds a large image, and everything the decoder used goes back to the
system when it exits. Whatever happens there (out of memory, out of time, killed, crashed) becomes
an ImageError that says what happened and what to do. The last few answers are kept (the page
filters one image again whenever a control changes). Nothing is written to disk.

Megabytes here are 1,000,000 bytes, as the browser's file uploader counts them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from decode_worker import fit

MAX_SIDE = 1024  # larger images are scaled down to this, with a notice
MAX_DECLARED_PIXELS = 40_000_000  # above this the file is refused before decoding
# server.maxUploadSize in .streamlit/config.toml. Streamlit 1.67's uploader refuses a larger file in
# the browser, counting a megabyte as 1,000,000 bytes (1,048,576 on Windows), and says "10MB per
# file"; its server takes up to 10 × 1,048,576 bytes. The app's limit is the browser's, so a file
# that one browser refuses is refused by every browser, with this module's message where it gets past.
MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1_000_000
ACCEPTED = f"a PNG or JPEG image of up to {MAX_FILE_MB} MB and {MAX_DECLARED_PIXELS // 1_000_000} million pixels"
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
# Other formats, named in the message: a GIF or WebP renamed .png gets past the uploader's type check.
_OTHER_FORMATS = {b"GIF87a": "GIF", b"GIF89a": "GIF", b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF",
                  b"%PDF": "PDF", b"\x00\x00\x01\x00": "ICO"}
_TILE = 1024  # a large image is reduced in tiles of about this side, never converted whole

# What one decode may use. A 40-million-pixel RGBA PNG (160 MB in Pillow) fits in the memory, and
# the largest files decode in well under a second of CPU on a slow core; two decodes at once and the
# server stay within a few hundred MB whatever is uploaded.
DECODE_MEMORY_MB = 200  # address space the decoder may add to what it holds at start (about 30 MB)
DECODE_CPU_SECONDS = 2  # CPU time of the decoding process, its start included (about 0.07 s)
DECODE_WALL_SECONDS = 10  # then it is ended, whatever it is doing (on a busy server a core is shared)
CONCURRENT_DECODES = 2  # decoding processes at once, per server process
DECODE_WAIT_SECONDS = 15  # how long an upload waits for its turn before "busy, try again"
# A JPEG's scans: a baseline photo has 1, a progressive one about 10 (6 for grey). Each scan walks
# every 8×8 block of its components, whatever few bytes it holds (about 40 ns a block here), so a
# 6000×6000 JPEG whose last scan repeats 1,000 times costs 20 s of CPU in 200 kB. Limits: the scans,
# the blocks they walk together (20 million: about a second), and the segments read to count them.
MAX_JPEG_SCANS = 100
MAX_JPEG_SCAN_BLOCKS = 20_000_000
MAX_JPEG_SEGMENTS = 2_000
MAX_JPEG_COMPONENTS = 4  # grey 1, colour 3, CMYK 4: what Pillow decodes
_MB = 1_000_000
_RESERVE = 24 * _MB  # the decoder's tiles, the reduced image and its copy for the answer, Pillow's own

_WORKER = Path(__file__).with_name("decode_worker.py")
_DECODES = threading.BoundedSemaphore(CONCURRENT_DECODES)
# The last few answers, by the file's digest and the request: the page filters the same image again
# whenever a control changes, and a sample image or a broken upload would start a process each time.
# At most 4 MB each (1024 × 1024 × 4 bytes); answers of a decoder that was stopped are not kept.
_ANSWERS: dict[tuple, tuple[dict, bytes]] = {}
_ANSWERS_KEPT = 4
_ANSWERS_LOCK = threading.Lock()
# Bytes per pixel as the worker sends them (Image.tobytes)
_SENT_BYTES = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "I": 4}
# PNG colour type -> (samples a pixel, bytes a pixel in Pillow's memory; 16-bit grey takes 2), name
_PNG_TYPES = {0: (1, 1, "grey"), 2: (3, 4, "RGB"), 3: (1, 1, "palette"), 4: (2, 4, "grey with alpha"),
              6: (4, 4, "RGBA")}
# A JPEG marker: 0xFF then a byte that is not 0x00 (a stuffed 0xFF inside a scan's data), a restart
# marker (0xD0-0xD7, inside a scan) or another 0xFF (fill). One byte of lookahead: linear time.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0-SOF15 (not DHT, JPG, DAC)
_JPEG_PROGRESSIVE = {0xC2, 0xC6, 0xCA, 0xCE}
_JPEG_STANDALONE = {0x01, 0xD8}  # TEM and SOI: no length follows


class ImageError(ValueError):
    """An image that cannot be used; the message says what is wrong and what to do."""


def load_image(data: bytes, max_side: int = MAX_SIDE) -> tuple[np.ndarray, list[str]]:
    """Decode PNG or JPEG bytes to (C, H, W) float32 in [0, 1], C = 1 (grey) or 3 (colour).

    The image is turned as its EXIF orientation says (as a photo viewer shows it), transparent
    parts are shown on white, 16-bit values are scaled to [0, 1], and a palette becomes colour.
    Returns the array and a list of notices (scaled down, transparency shown on white, ...).
    Raises ImageError, with a message saying what is wrong and what to do, for anything else.
    """
    kind = _kind(data)
    _check_header(data, kind, max_side)
    try:
        reply, pixels = _decode_in_worker(data, {"kind": kind, "max_side": max_side,
                                                 "max_pixels": MAX_DECLARED_PIXELS, "tile": _TILE})
        notices = ["the image has several frames; only the first is used"] if reply["frames"] else []
        array = _to_array(reply["mode"], pixels, notices)
    except MemoryError:
        raise _out_of_memory() from None
    (width, height), size = reply["shown"], (array.shape[2], array.shape[1])
    if (width, height) != size:
        notices.append(f"scaled down from {width:,}×{height:,} to {size[0]:,}×{size[1]:,} pixels "
                       f"(at most {max_side:,} on a side)")
    return array, notices


# ---- Before decoding: the bytes and the header


def _kind(data: bytes) -> str:
    """PNG or JPEG, from the file's first bytes; otherwise ImageError naming what it is."""
    if not data:
        raise ImageError(f"the file is empty (0 bytes): choose {ACCEPTED}")
    if len(data) > MAX_FILE_BYTES:
        size = f"{len(data) / _MB:.1f} MB"
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
    return kind


def _check_header(data: bytes, kind: str, max_side: int) -> None:
    """Refuse, before decoding, a file whose header declares too many pixels, needs more memory than
    a decode is given, or (a JPEG) holds too many scans. A header this cannot read is left to the
    decoder, whose limits still hold and whose message says what is damaged."""
    header = _png_header(data) if kind == "PNG" else _jpeg_header(data, max_side)
    if header is None:
        return
    width, height, need, what, fix = header
    if width * height > MAX_DECLARED_PIXELS:
        raise _declared(width, height)
    if need + len(data) + _RESERVE > DECODE_MEMORY_MB * _MB:
        raise ImageError(f"this image needs about {math.ceil((need + len(data) + _RESERVE) / _MB):,} MB of memory "
                         f"to decode ({width:,}×{height:,} pixels, {what}), more than the {DECODE_MEMORY_MB} MB "
                         f"this server gives one upload, so it was not decoded: {fix}")


def _declared(width: int, height: int) -> ImageError:
    return ImageError(f"the image declares {width:,}×{height:,} pixels, more than this app decodes "
                      f"({MAX_DECLARED_PIXELS // 1_000_000} million pixels, such as 8,000×5,000), so it was not "
                      "decoded: scale it down and upload it again")


def _png_header(data: bytes) -> tuple | None:
    """(width, height, bytes the decoder needs, what it is, the fix) from the IHDR chunk, or None.

    Pillow holds the image (bytes a pixel × pixels) and a pointer for each row (8 bytes); its
    decoder holds two rows of the file's samples (the row and the one above, for the filters)."""
    if len(data) < 29:
        return None  # cut short before the size: the decoder says so
    if data[12:16] != b"IHDR":  # the PNG standard puts IHDR first; Pillow would read on past another chunk
        raise ImageError("the PNG file does not start with its IHDR chunk (its size and colours), as every PNG "
                         "does: it is damaged or made by hand; export it again and upload it once more")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if colour not in _PNG_TYPES or width < 1 or height < 1:
        return None
    samples, stored, name = _PNG_TYPES[colour]
    stored = 2 if (colour, depth) == (0, 16) else stored
    row = (width * samples * depth + 7) // 8 + 1
    need = height * (width * stored + 8) + 2 * row
    return width, height, need, f"{depth}-bit {name}", "save it with fewer pixels and upload it again"


def _jpeg_header(data: bytes, max_side: int) -> tuple | None:
    """(width, height, bytes the decoder needs, what it is, the fix) from the JPEG's segments, or None.

    Walks the markers as libjpeg reads them: a segment's length skips its contents, and a scan's
    entropy-coded data runs to the next marker (0xFF bytes in it are followed by 0x00). Refuses a
    file with too many segments or scans, or whose scans walk too many blocks."""
    position, frame, frame_blocks, scans, blocks, segments = 2, None, {}, 0, 0, 0
    while (found := _JPEG_MARKER.search(data, position)) is not None:
        marker, position = data[found.start() + 1], found.end()
        if marker == 0xD9:  # EOI
            break
        segments += 1  # standalone markers too: a file of nothing else must not take long to read either
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageError(f"the JPEG file is split into more than {MAX_JPEG_SEGMENTS:,} segments (a photo has a "
                             "few dozen), so it was not decoded: save it again as an ordinary JPEG and upload it again")
        if marker in _JPEG_STANDALONE:
            continue
        length = int.from_bytes(data[position:position + 2], "big")
        body = data[position + 2:position + length]
        if length < 2 or len(body) < length - 2:
            break  # truncated: the decoder says so
        if marker in _JPEG_FRAMES and len(body) >= 6:
            if body[5] > MAX_JPEG_COMPONENTS:
                raise ImageError(f"the JPEG file declares {body[5]} colour components, more than the "
                                 f"{MAX_JPEG_COMPONENTS} an image has (grey, colour, CMYK), so it was not decoded: "
                                 "save it again as an ordinary JPEG and upload it again")
            components = [(body[7 + 3 * i] >> 4, body[7 + 3 * i] & 15, body[6 + 3 * i])
                          for i in range(min(body[5], (len(body) - 6) // 3))]
            size = struct.unpack(">HH", body[1:5])[::-1]
            if components and (frame is None or size[0] * size[1] > frame[0][0] * frame[0][1]):
                if size[0] * size[1] > MAX_DECLARED_PIXELS:
                    raise _declared(*size)
                frame = (size, components, marker in _JPEG_PROGRESSIVE)
                frame_blocks = _jpeg_blocks(frame)
        elif marker == 0xDA and frame is not None and body:  # SOS: the components of this scan
            scans += 1
            in_scan = {body[1 + 2 * i] for i in range(min(body[0], MAX_JPEG_COMPONENTS, (len(body) - 1) // 2))}
            blocks += sum(count for ident, count in frame_blocks.items() if ident in in_scan)
            if scans > MAX_JPEG_SCANS or blocks > MAX_JPEG_SCAN_BLOCKS:  # at once: the rest is not read
                raise _too_much_scan_work(scans, blocks, *frame[0])
        position += length
    if frame is None:
        return None
    (width, height), components, progressive = frame
    # Pillow's draft: decoded at 1/8, 1/4 or 1/2 scale where that still covers the reduced size
    target = fit(max(width, 1), max(height, 1), max_side)
    ratio = min(width // target[0], height // target[1])
    scale = next(s for s in (8, 4, 2, 1) if ratio >= s or s == 1)
    out_width, out_height = -(-width // scale), -(-height // scale)
    need = out_height * (out_width * (1 if len(components) == 1 else 4) + 8)  # Pillow's image
    need += width * len(components) * 16 * 2  # libjpeg's rows of samples, two blocks high
    if progressive or scans > 1:  # every coefficient of every block is kept until the last scan
        need += sum(_jpeg_blocks(frame).values()) * 128
    kind = "progressive" if progressive else f"{scans} scans" if scans > 1 else "baseline"
    return (width, height, need, f"{kind}, {len(components)} colour components",
            "save it as a baseline (not progressive) JPEG, or with fewer pixels, and upload it again")


def _too_much_scan_work(scans: int, blocks: int, width: int, height: int) -> ImageError:
    what = (f"more than {MAX_JPEG_SCANS} scans" if scans > MAX_JPEG_SCANS else
            f"{scans:,} scans that walk more than {MAX_JPEG_SCAN_BLOCKS:,} blocks of 8×8 pixels")
    return ImageError(f"the JPEG file is stored in {what} of its {width:,}×{height:,} pixels, more than this "
                      f"server decodes for one upload (at most {MAX_JPEG_SCANS} scans, fewer for a large image; a "
                      "progressive photo has about 10), so it was not decoded: save it again as an ordinary JPEG "
                      "and upload it again")


def _jpeg_blocks(frame: tuple) -> dict[int, int]:
    """Component id -> its 8×8 blocks, as libjpeg allocates them (sampling factors rounded up)."""
    (width, height), components, _ = frame
    most_h = max(max(h for h, _, _ in components), 1)
    most_v = max(max(v for _, v, _ in components), 1)
    counts = {}
    for h, v, ident in components:
        across = -(-(-(-width * h // most_h)) // 8)
        down = -(-(-(-height * v // most_v)) // 8)
        counts[ident] = -(-across // max(h, 1)) * max(h, 1) * -(-down // max(v, 1)) * max(v, 1)
    return counts


# ---- Decoding: in a process of its own


def _out_of_memory() -> ImageError:
    return ImageError(f"this image needs more than the {DECODE_MEMORY_MB} MB of memory this server gives one upload, "
                      "so decoding it was stopped: save it with fewer pixels and upload it again")


def _decode_in_worker(data: bytes, request: dict) -> tuple[dict, np.ndarray]:
    """The worker's answer for a file (its JSON, the pixels as (H, W, bytes a pixel) uint8), after
    waiting at most DECODE_WAIT_SECONDS for one of the CONCURRENT_DECODES turns. Every failure is an
    ImageError."""
    request = {**request, "memory": DECODE_MEMORY_MB * _MB, "cpu": DECODE_CPU_SECONDS}
    key = (hashlib.blake2b(data, digest_size=20).digest(), json.dumps(request, sort_keys=True))
    with _ANSWERS_LOCK:
        answer = _ANSWERS.pop(key, None)
        if answer is not None:
            _ANSWERS[key] = answer  # now the most recent
    if answer is None:
        if not _DECODES.acquire(timeout=DECODE_WAIT_SECONDS):
            raise ImageError(f"the server is decoding other uploads and none finished within {DECODE_WAIT_SECONDS} "
                             "s: try again in a moment")
        try:
            answer = _run_worker(data, request)
        finally:
            _DECODES.release()
        with _ANSWERS_LOCK:
            _ANSWERS[key] = answer
            while len(_ANSWERS) > _ANSWERS_KEPT:
                del _ANSWERS[next(iter(_ANSWERS))]
    reply, pixels = answer
    kind = request["kind"]
    error = reply.get("error")
    if error == "memory":
        raise _out_of_memory()
    if error == "declared":
        raise _declared(*reply["size"])
    if error is not None:
        raise ImageError(f"the {kind} file could not be decoded ({reply.get('type', error)}): it may be truncated "
                         "or damaged; export it again and upload it once more")
    width, height = reply.get("size") or (0, 0)
    if not {"shown", "frames"} <= reply.keys() or reply.get("mode") not in _SENT_BYTES \
            or len(pixels) != width * height * _SENT_BYTES[reply["mode"]]:
        raise ImageError(f"the {kind} file could not be decoded (the decoder's answer was incomplete): export it "
                         "again and upload it once more")
    return reply, np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, _SENT_BYTES[reply["mode"]])


def _run_worker(data: bytes, request: dict) -> tuple[dict, memoryview]:
    """Run decode_worker.py on the file with the request's limits: its JSON answer and the pixels after it."""
    request = {**request, "length": len(data)}
    try:
        process = subprocess.Popen([sys.executable, str(_WORKER), json.dumps(request)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:  # no process could be started: the machine is out of processes or memory
        raise ImageError(f"the server could not start a decoder for this image ({error.strerror or error}): "
                         "try again in a moment") from None
    try:
        out, err = process.communicate(data, timeout=DECODE_WALL_SECONDS)
    except subprocess.TimeoutExpired:
        raise ImageError(f"decoding this image took more than the {DECODE_WALL_SECONDS} s this server gives one "
                         "upload, so it was stopped: try again in a moment, or save the image with fewer pixels "
                         "and upload it again") from None
    finally:
        if process.poll() is None:  # out of time, or this thread was interrupted: end it, never leave it running
            process.kill()
            process.communicate()
    line = out[:out.find(b"\n") + 1]
    pixels = memoryview(out)[len(line):]  # not a copy
    if process.returncode == -getattr(signal, "SIGXCPU", 0):
        raise ImageError(f"this image needs more than the {DECODE_CPU_SECONDS} s of computing time this server gives "
                         "one upload, so decoding it was stopped: save it again as an ordinary PNG or JPEG, with "
                         "fewer pixels, and upload it again")
    if process.returncode == -signal.SIGKILL or b"MemoryError" in err:  # the system's out-of-memory killer
        raise _out_of_memory()
    try:
        reply = json.loads(line)
    except ValueError:
        reply = None
    if process.returncode != 0 or not isinstance(reply, dict):
        names = {-number: number.name for number in signal.Signals}
        reason = f"the decoder stopped with {names[process.returncode]}" if process.returncode in names \
            else "the decoder stopped"
        raise ImageError(f"the {request['kind']} file could not be decoded ({reason}): it may be damaged; export it "
                         "again and upload it once more")
    return reply, pixels


# ---- After decoding: the array


def _to_array(mode: str, pixels: np.ndarray, notices: list[str]) -> np.ndarray:
    """(C, H, W) float32 in [0, 1] from (H, W, bytes a pixel) uint8 in a working mode; transparency is
    shown on white. Channel by channel: at most the result and two planes besides it."""
    if mode == "I":  # 16-bit grey, sent as 32-bit integers (Pillow opens 8-bit grey PNGs as L)
        values = pixels.view(np.int32)[..., 0].astype(np.float32)
        return np.clip(values / 65535.0, 0, 1, out=values)[None]
    colours = 3 if mode.startswith("RGB") else 1
    array = np.empty((colours, *pixels.shape[:2]), dtype=np.float32)
    for channel in range(colours):
        np.divide(pixels[..., channel], np.float32(255), out=array[channel])
    if mode in ("LA", "RGBA"):
        alpha = pixels[..., -1] / np.float32(255)
        if alpha.min() < 1:
            notices.append("transparent parts are shown on white")
        array *= alpha
        array += 1 - alpha
    return array
