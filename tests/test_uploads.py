"""Uploaded images: every odd file either works correctly or gets a clear message.

Every file is made here with Pillow, NumPy or by hand (a PNG's chunks, a JPEG's frame header):
nothing is downloaded. `upload_cases()` gathers one file of every kind the issue lists, for the
safety tests in test_uploads_safety.py (memory, disk, HTML) to run the loader on.
"""

import functools
import io
import random
import re
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import decode_worker
import uploads
from conftest import ROOT
from uploads import MAX_FILE_BYTES, MAX_FILE_MB, MAX_SIDE, ImageError, load_image

ORIENTATION = 0x0112  # the EXIF tag


@pytest.fixture(autouse=True)
def no_kept_answers():
    """Each test decodes for itself: no answer kept from another test (uploads keeps the last few)."""
    uploads._ANSWERS.clear()
    yield
    uploads._ANSWERS.clear()


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient(w=40, h=30):
    x = np.linspace(0, 255, w)[None, :].repeat(h, axis=0)
    return np.stack([x, x[::-1, ::-1], np.full_like(x, 128)], axis=-1).astype(np.uint8)


def blocks(rows=3, cols=5, side=8, seed=0):
    """An image of flat side×side blocks, each its own colour: asymmetric, and JPEG keeps it almost exactly."""
    colours = np.random.default_rng(seed).integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    return np.repeat(np.repeat(colours, side, axis=0), side, axis=1)


def chw(pixels: np.ndarray) -> np.ndarray:
    """(H, W, C) or (H, W) uint8 -> (C, H, W) in [0, 1], as the loader returns."""
    pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    return np.moveaxis(pixels, -1, 0) / 255


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes, *extra: bytes) -> bytes:
    """A PNG built chunk by chunk (Pillow cannot write 16-bit colour): rows are the raw scanlines."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(extra)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def scanlines(values: np.ndarray) -> bytes:
    """Rows of big-endian samples, each after a 0 (no filter) byte."""
    values = values.astype(">u2") if values.dtype.itemsize == 2 else values  # (np.stack makes them native)
    return b"".join(b"\x00" + row.tobytes() for row in values.reshape(values.shape[0], -1))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's header)."""
    return png(width, height, 8, 0, b"\x00" * 64)


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims width x height pixels."""
    data = bytearray(encode(Image.fromarray(gradient(16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def animated(fmt: str) -> bytes:
    frames = [Image.fromarray(gradient()), Image.fromarray(gradient()[::-1])]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:])


def with_orientation(pixels: np.ndarray, fmt: str, orientation: int, **options) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return encode(Image.fromarray(pixels), fmt, exif=exif, **options)


def as_shown(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """The stored pixels as a viewer shows them, from the EXIF specification's definitions."""
    mirrored = pixels[:, ::-1]
    return {1: pixels, 2: mirrored, 3: pixels[::-1, ::-1], 4: pixels[::-1],
            5: np.rot90(mirrored, 1),    # mirror, then turn 90° anticlockwise
            6: np.rot90(pixels, -1),     # turn 90° clockwise
            7: np.rot90(mirrored, -1),   # mirror, then turn 90° clockwise
            8: np.rot90(pixels, 1)}[orientation]  # turn 90° anticlockwise


def big(w=3000, h=1500):
    """Black on the left half, white on the right: where it ends up shows the orientation."""
    pixels = np.zeros((h, w, 3), dtype=np.uint8)
    pixels[:, w // 2:] = 255
    return pixels


@functools.cache
def upload_cases() -> dict[str, bytes]:
    """One file of each kind in the issue (small, apart from a 3000×1500 PNG and JPEG to scale down)."""
    png_16 = np.array([[0, 100, 255, 1000], [30000, 40000, 65535, 7]], dtype=">u2")
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[..., 0], rgba[:, 5:, 3] = 255, 255
    truncated_png = encode(Image.fromarray(gradient(200, 200)), "PNG")
    truncated_jpeg = encode(Image.fromarray(gradient(200, 200)), "JPEG")
    cmyk = Image.fromarray(blocks()).convert("CMYK")
    return {
        "colour.png": encode(Image.fromarray(gradient()), "PNG"),
        "grey.png": encode(Image.fromarray(gradient()[..., 0]), "PNG"),
        "grey.jpg": encode(Image.fromarray(gradient()[..., 0]), "JPEG"),
        "16-bit grey.png": encode(Image.fromarray(png_16.astype(np.uint16)), "PNG"),
        "16-bit colour.png": png(4, 2, 16, 2, scanlines(np.stack([png_16] * 3, axis=-1))),
        "palette.png": encode(Image.fromarray(gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8), "PNG"),
        "rgba.png": encode(Image.fromarray(rgba, "RGBA"), "PNG"),
        "cmyk.jpg": encode(cmyk, "JPEG", quality=95),
        "exif 6.jpg": with_orientation(blocks(), "JPEG", 6, quality=95, subsampling=0),
        "exif 8.png": with_orientation(blocks(), "PNG", 8),
        "large.png": encode(Image.fromarray(big()), "PNG"),
        "large.jpg": encode(Image.fromarray(big()), "JPEG"),
        "animated.png": animated("PNG"),
        "animated gif renamed.png": animated("GIF"),
        "not an image.png": b"hello, this is text",
        "empty.png": b"",
        "truncated.png": truncated_png[: len(truncated_png) // 2],
        "truncated.jpg": truncated_jpeg[: len(truncated_jpeg) // 2],
        "bomb.png": png_declaring(50_000, 50_000),
        "bomb.jpg": jpeg_declaring(60_000, 60_000),
        "too large.png": encode(Image.fromarray(gradient()), "PNG") + bytes(11_000_000),  # 11 MB
    }


# ---- Files that work: the decoded array is right


def test_a_colour_png_round_trips():
    pixels = gradient()
    array, notices = load_image(encode(Image.fromarray(pixels), "PNG"))
    assert array.shape == (3, 30, 40) and array.dtype == np.float32
    np.testing.assert_allclose(array, chw(pixels), atol=1e-6)
    assert notices == []


@pytest.mark.parametrize("fmt, atol", [("PNG", 1e-6), ("JPEG", 0.03)])
def test_greyscale_stays_one_channel(fmt, atol):
    grey = gradient()[..., 0]
    array, notices = load_image(encode(Image.fromarray(grey), fmt))
    assert array.shape == (1, 30, 40) and array.dtype == np.float32
    np.testing.assert_allclose(array, chw(grey), atol=atol)
    assert notices == []


def test_a_one_bit_png_is_grey_zero_or_one():
    bits = (gradient()[..., 0] > 128).astype(np.uint8) * 255
    array, _ = load_image(encode(Image.fromarray(bits).convert("1"), "PNG"))
    assert array.shape == (1, 30, 40)
    np.testing.assert_array_equal(array[0], bits / 255)


def test_a_sixteen_bit_grey_png_is_scaled_by_65535():
    values = np.array([[0, 100, 255, 1000], [30000, 40000, 65535, 7]], dtype=np.uint16)
    array, _ = load_image(encode(Image.fromarray(values), "PNG"))
    assert array.shape == (1, 2, 4) and array.dtype == np.float32
    # 100 and 255 are dark in 16 bits: never taken as 8-bit values
    np.testing.assert_allclose(array[0], values / 65535, atol=1e-6)


@pytest.mark.parametrize("colour_type, channels", [(2, 3), (6, 4)])
def test_a_sixteen_bit_colour_png_is_scaled_to_zero_one(colour_type, channels):
    # Pillow keeps the high byte of each 16-bit sample, so every value is within 1/255 of value / 65535
    values = np.array([[0, 100, 255, 1000], [30000, 40000, 65535, 32896]], dtype=">u2")
    opaque = np.full_like(values, 65535)
    samples = np.stack([values, values[:, ::-1], opaque, opaque][:channels], axis=-1)
    array, notices = load_image(png(4, 2, 16, colour_type, scanlines(samples)))
    assert array.shape == (3, 2, 4)
    np.testing.assert_allclose(array, np.moveaxis(samples[..., :3], -1, 0) / 65535, atol=1 / 255)
    assert array[0, 1, 2] == 1 and array[0, 1, 3] == pytest.approx(128 / 255)
    assert notices == []  # fully opaque: no notice about transparency


def test_a_palette_png_is_expanded_to_its_colours():
    image = Image.fromarray(gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    array, notices = load_image(encode(image, "PNG"))
    assert array.shape == (3, 30, 40)
    np.testing.assert_allclose(array, chw(np.asarray(image.convert("RGB"))), atol=1e-6)
    assert len({tuple(c) for c in array.reshape(3, -1).T}) <= 8 and notices == []


def test_a_palette_png_with_a_transparent_entry_is_shown_on_white():
    image = Image.fromarray(gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    transparent = image.getpixel((0, 0))
    array, notices = load_image(encode(image, "PNG", transparency=transparent))
    index = np.asarray(image)
    np.testing.assert_allclose(array[:, index == transparent], 1)
    np.testing.assert_allclose(array[:, index != transparent],
                               chw(np.asarray(image.convert("RGB")))[:, index != transparent], atol=1e-6)
    assert "transparent parts are shown on white" in notices


def test_rgba_transparency_is_shown_on_white_with_a_notice():
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red: transparent on the left, half on the middle column, opaque on the right
    rgba[:, 5, 3] = 128
    rgba[:, 6:, 3] = 255
    array, notices = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert array.shape == (3, 10, 10)
    np.testing.assert_allclose(array[:, 0, 0], [1, 1, 1])
    np.testing.assert_allclose(array[:, 0, 5], [1, 127 / 255, 127 / 255], atol=1e-6)  # red at 50 % over white
    np.testing.assert_allclose(array[:, 0, 9], [1, 0, 0])
    assert notices == ["transparent parts are shown on white"]


def test_an_opaque_rgba_png_is_colour_with_no_notice():
    rgba = np.dstack([gradient(), np.full((30, 40), 255, np.uint8)])
    array, notices = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_allclose(array, chw(gradient()), atol=1e-6)
    assert notices == []


def test_grey_with_alpha_stays_grey_on_white():
    la = np.stack([np.full((4, 4), 0, np.uint8), np.tile(np.array([0, 255, 0, 255], np.uint8), (4, 1))], axis=-1)
    array, notices = load_image(encode(Image.fromarray(la, "LA"), "PNG"))
    assert array.shape == (1, 4, 4)
    np.testing.assert_allclose(array[0, 0], [1, 0, 1, 0])
    assert notices == ["transparent parts are shown on white"]


def test_a_cmyk_jpeg_becomes_rgb_with_its_colours():
    colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 255, 255], [0, 0, 0]], np.uint8)
    pixels = np.repeat(np.repeat(colours[None], 16, axis=0), 16, axis=1)  # six 16×16 patches
    cmyk = Image.fromarray(pixels).convert("CMYK")
    assert cmyk.mode == "CMYK"
    array, notices = load_image(encode(cmyk, "JPEG", quality=95))
    assert array.shape == (3, 16, 96) and 0 <= array.min() and array.max() <= 1
    np.testing.assert_allclose(array[:, 8, 8::16].T, colours / 255, atol=0.06)  # each patch's centre
    assert notices == []


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_as_a_viewer_shows_it(orientation):
    pixels = blocks()  # 24×40, no symmetry
    array, notices = load_image(with_orientation(pixels, "PNG", orientation))
    shown = as_shown(pixels, orientation)
    assert array.shape == (3, *shown.shape[:2])
    np.testing.assert_allclose(array, chw(shown), atol=1e-6)
    assert notices == []


@pytest.mark.parametrize("orientation", [6, 8])
def test_an_exif_rotated_jpeg_photo_is_turned(orientation):
    pixels = blocks()
    array, _ = load_image(with_orientation(pixels, "JPEG", orientation, quality=95, subsampling=0))
    assert array.shape == (3, 40, 24)  # stored 40 wide and 24 high, shown 24 wide and 40 high
    np.testing.assert_allclose(array, chw(as_shown(pixels, orientation)), atol=0.05)
    assert np.abs(array - chw(as_shown(pixels, 14 - orientation))).max() > 0.3  # the other way round is wrong


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_large_rotated_photo_is_scaled_down_and_turned(fmt):
    array, notices = load_image(with_orientation(big(), fmt, 6))
    assert array.shape == (3, 1024, 512)
    # stored: black left half, white right half; turned clockwise: black on top, white below
    assert array[:, :500].max() < 0.05 and array[:, 524:].min() > 0.95
    assert notices == ["scaled down from 1,500×3,000 to 512×1,024 pixels (at most 1,024 on a side)"]


def test_a_large_image_is_scaled_down_with_a_notice():
    for fmt in ("PNG", "JPEG"):
        array, notices = load_image(encode(Image.fromarray(big()), fmt))
        assert max(array.shape[1:]) == MAX_SIDE
        assert array.shape == (3, 512, 1024)
        assert array[:, :, :500].max() < 0.05 and array[:, :, 524:].min() > 0.95
        assert notices == ["scaled down from 3,000×1,500 to 1,024×512 pixels (at most 1,024 on a side)"]


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "L"])
def test_reducing_tile_by_tile_equals_reducing_the_whole_image(monkeypatch, mode):
    rng = np.random.default_rng(3)
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (157, 203), dtype=np.uint16))
    elif mode == "RGBA":
        image = Image.fromarray(rng.integers(0, 256, (157, 203, 4), dtype=np.uint8), "RGBA")
    else:
        image = Image.fromarray(rng.integers(0, 256, (157, 203, 3), dtype=np.uint8)).convert(mode)
    data = encode(image, "PNG")
    monkeypatch.setattr(uploads, "_TILE", 7)  # tiles of 5×5 pixels (the factor is 5): many, with ragged edges
    tiled, notices = load_image(data, max_side=40)
    monkeypatch.setattr(uploads, "_TILE", 10_000)  # one tile
    whole, _ = load_image(data, max_side=40)
    assert tiled.shape == whole.shape == ((1 if mode in ("I;16", "L") else 3), 31, 40)
    np.testing.assert_array_equal(tiled, whole)
    # and the same as Pillow reducing the whole image in one go
    working = {"P": "RGB", "I;16": "I"}.get(mode, mode)
    expected = np.asarray(image.convert(working).reduce(5).resize((40, 31), Image.Resampling.BOX), dtype=np.float32)
    if mode == "RGBA":
        expected = expected[..., :3] / 255 * (expected[..., 3:] / 255) + (1 - expected[..., 3:] / 255)
    else:
        expected = expected / (65535 if mode == "I;16" else 255)
    np.testing.assert_allclose(tiled, chw(expected * 255), atol=1e-6)
    assert notices[-1] == "scaled down from 203×157 to 40×31 pixels (at most 40 on a side)"


def test_an_animated_png_uses_its_first_frame_with_a_notice():
    array, notices = load_image(animated("PNG"))
    assert array.shape == (3, 30, 40)
    np.testing.assert_allclose(array, chw(gradient()), atol=1e-6)
    assert notices == ["the image has several frames; only the first is used"]


def test_a_file_of_exactly_the_upload_limit_is_accepted_one_byte_more_is_not():
    data = encode(Image.fromarray(gradient()), "PNG")
    array, _ = load_image(data + bytes(MAX_FILE_BYTES - len(data)))  # padding after the PNG's end
    assert array.shape == (3, 30, 40)
    with pytest.raises(ImageError, match="the file is 10,000,001 bytes, more than the 10 MB this app accepts"):
        load_image(data + bytes(MAX_FILE_BYTES - len(data) + 1))


def test_the_size_limit_is_what_the_browser_enforces():
    # Streamlit 1.67's uploader refuses a file over server.maxUploadSize megabytes in the browser,
    # a megabyte being 1,000,000 bytes there (1,048,576 on Windows, and on its server): the app
    # takes the smaller, so one limit holds whatever the browser (benchmarks/hostile_input.py
    # uploads 10,000,001 and 10,000,000 bytes through Chromium).
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    limit = re.search(r"^\s*maxUploadSize\s*=\s*(\d+)", config, re.M)
    assert limit and int(limit.group(1)) == MAX_FILE_MB
    assert MAX_FILE_BYTES == MAX_FILE_MB * 1_000_000


# ---- Files that do not work: a message that says what is wrong and what to do


ACCEPTED = "a PNG or JPEG image of up to 10 MB and 40 million pixels"


@pytest.mark.parametrize("name, expected", [
    ("empty.png", f"the file is empty (0 bytes): choose {ACCEPTED}"),
    ("not an image.png", "this is not a PNG or JPEG file, whatever its name says: save the image as PNG or JPEG "
                         f"and upload it again ({ACCEPTED})"),
    ("animated gif renamed.png", "this is a GIF file, not a PNG or JPEG file, whatever its name says: save the image "
                                 f"as PNG or JPEG and upload it again ({ACCEPTED})"),
    ("bomb.png", "the image declares 50,000×50,000 pixels, more than this app decodes (40 million pixels, such as "
                 "8,000×5,000), so it was not decoded: scale it down and upload it again"),
    ("bomb.jpg", "the image declares 60,000×60,000 pixels, more than this app decodes"),
    ("truncated.png", "the PNG file could not be decoded (OSError): it may be truncated or damaged; export it again "
                      "and upload it once more"),
    ("truncated.jpg", "the JPEG file could not be decoded (OSError): it may be truncated or damaged"),
    ("too large.png", "the file is 11.0 MB, more than the 10 MB this app accepts: save the image smaller (fewer "
                      "pixels, or as JPEG) and upload it again"),
])
def test_each_unusable_file_gets_its_message(name, expected):
    with pytest.raises(ImageError) as raised:
        load_image(upload_cases()[name])
    assert str(raised.value).startswith(expected), str(raised.value)


@pytest.mark.parametrize("data, message", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "this is not a PNG or JPEG file"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "this is a WebP file, not a PNG or JPEG file"),
    (b"BM" + bytes(60), "this is a BMP file"),
    (b"II*\x00" + bytes(60), "this is a TIFF file"),
    (png_declaring(7_000, 7_000), "declares 7,000×7,000 pixels, more than this app decodes"),
    (png_declaring(0, 10), "could not be decoded"),
    (jpeg_declaring(7_000, 7_000), "declares 7,000×7,000 pixels, more than this app decodes"),
    (b"\x89PNG\r\n\x1a\n", "could not be decoded"),
    (b"\xff\xd8\xff", "could not be decoded"),
])
def test_other_unusable_files_get_a_message(data, message):
    with pytest.raises(ImageError, match=re.escape(message)):
        load_image(data)


def test_a_jpeg_cut_after_its_header_gets_a_message():
    data = encode(Image.fromarray(gradient(200, 200)), "JPEG")
    with pytest.raises(ImageError, match="truncated or damaged"):
        load_image(data[:300])


def test_an_animated_gif_is_refused_even_when_renamed_png():
    # the uploader accepts .png, .jpg and .jpeg by name only; the loader looks at the bytes
    with pytest.raises(ImageError, match="this is a GIF file"):
        load_image(animated("GIF"))


def damaged(rng: random.Random) -> bytes:
    """A valid file of one of the kinds above with a few bytes changed at random, perhaps cut short."""
    seeds = [data for name, data in upload_cases().items() if data and not name.startswith(("large", "too large"))]
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(1, len(data) + 1)]
    return bytes(data)


def assert_usable(array: np.ndarray) -> None:
    assert array.dtype == np.float32 and array.ndim == 3 and array.shape[0] in (1, 3)
    assert 1 <= min(array.shape[1:]) and max(array.shape[1:]) <= MAX_SIDE
    assert 0 <= array.min() and array.max() <= 1 and np.isfinite(array).all()


def test_damaged_files_never_raise_anything_but_an_image_error():
    """Bytes changed at random in every kind of valid file: a usable array, or a message. Each file
    that gets past the header starts a decoding process (about 60 ms), so 50 files end to end..."""
    rng = random.Random(7)
    for _ in range(50):
        try:
            array, _ = load_image(damaged(rng))
        except ImageError as error:
            assert str(error) and "Traceback" not in str(error)
        else:
            assert_usable(array)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's about a damaged EXIF block
def test_the_decoder_answers_every_damaged_file():
    """...and 400 through the decoding process's own code, run here: it answers every one (an image
    or the name of the error), never raises."""
    rng = random.Random(8)
    for _ in range(400):
        data = damaged(rng)
        kind = "PNG" if data.startswith(b"\x89PNG") else "JPEG"
        reply, pixels = decode_worker.answer({"kind": kind, "max_side": MAX_SIDE, "tile": 1024,
                                              "max_pixels": uploads.MAX_DECLARED_PIXELS}, data)
        assert ("error" in reply) == (pixels == b""), reply


def test_a_thin_strip_is_reduced_along_its_length_only():
    # 3×5000 to at most 100 on a side: 1×100, reduced 3 times across and 50 times along, tile by tile
    pixels = np.random.default_rng(4).integers(0, 256, (5000, 3, 3), dtype=np.uint8)
    array, notices = load_image(encode(Image.fromarray(pixels), "PNG"), max_side=100)
    assert array.shape == (3, 100, 1)
    expected = np.asarray(Image.fromarray(pixels).reduce((3, 50)), dtype=np.float32)
    np.testing.assert_allclose(array, chw(expected), atol=1e-6)
    assert notices == ["scaled down from 3×5,000 to 1×100 pixels (at most 100 on a side)"]


# ---- Properties: whatever the bytes, an array the page can use or a message

QUICK = settings(max_examples=25, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]


def outcome(data: bytes):
    """load_image's array, or None for an ImageError; anything else fails the test."""
    try:
        array, notices = load_image(data)
    except ImageError as error:
        assert str(error) and not str(error).endswith(".")  # the page adds the full stop
        return None
    assert_usable(array)
    assert all(isinstance(notice, str) for notice in notices)
    return array


@QUICK
@given(st.one_of(st.binary(max_size=300),
                 st.tuples(st.sampled_from(list(uploads.SIGNATURES)), st.binary(max_size=300)).map(b"".join)))
def test_random_bytes_give_an_array_or_a_message(data):
    outcome(data)


@QUICK
@given(st.sampled_from(sorted(upload_cases())), st.data())
def test_truncated_or_mutated_files_give_an_array_or_a_message(name, data):
    original = upload_cases()[name]
    if name.startswith(("large", "too large")) or not original:
        original = upload_cases()["grey.jpg" if "jpg" in name else "colour.png"]
    changed = bytearray(original[:data.draw(st.integers(1, len(original)), label="kept")])
    for _ in range(data.draw(st.integers(0, 4), label="changes")):
        changed[data.draw(st.integers(0, len(changed) - 1))] = data.draw(st.integers(0, 255))
    outcome(bytes(changed))


@QUICK
@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from(MODES + ["JPEG L", "JPEG RGB", "JPEG CMYK"]),
       st.integers(0, 2**32 - 1))
def test_every_small_image_decodes_at_its_size(width, height, mode, seed):
    rng = np.random.default_rng(seed)
    fmt, mode = ("JPEG", mode[5:]) if mode.startswith("JPEG") else ("PNG", mode)
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (height, width), dtype=np.uint16))
    else:
        image = Image.fromarray(rng.integers(0, 256, (height, width, 4), dtype=np.uint8), "RGBA").convert(mode)
    array = outcome(encode(image, fmt))
    assert array is not None and array.shape == (1 if mode in ("1", "L", "LA", "I;16") else 3, height, width)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(["PNG", "JPEG"]), st.binary(max_size=200), st.integers(0, 2**32 - 1))
def test_the_header_check_reads_any_bytes(kind, tail, seed):
    """The header check (in the server's process, before any decoding) on a real header with random
    bytes changed or appended: it passes the file on, or refuses it with a message; nothing else."""
    rng = random.Random(seed)
    data = bytearray(upload_cases()["grey.jpg" if kind == "JPEG" else "colour.png"][:rng.randrange(2, 400)] + tail)
    for _ in range(rng.randint(0, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    try:
        uploads._check_header(bytes(data), kind, MAX_SIDE)
    except ImageError as error:
        assert str(error)
