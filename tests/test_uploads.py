"""Uploaded images: every odd file either works correctly or gets a clear message."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from uploads import MAX_SIDE, ImageError, load_image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient(w=40, h=30):
    x = np.linspace(0, 255, w)[None, :].repeat(h, axis=0)
    return np.stack([x, x[::-1, ::-1], np.full_like(x, 128)], axis=-1).astype(np.uint8)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's header)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_a_colour_png_round_trips():
    pixels = gradient()
    array, notices = load_image(encode(Image.fromarray(pixels), "PNG"))
    assert array.shape == (3, 30, 40) and array.dtype == np.float32
    np.testing.assert_allclose(array, np.moveaxis(pixels, -1, 0) / 255, atol=1e-6)
    assert notices == []


def test_greyscale_stays_one_channel():
    array, _ = load_image(encode(Image.fromarray(gradient()[..., 0]), "PNG"))
    assert array.shape == (1, 30, 40)


def test_sixteen_bit_png_is_scaled_to_zero_one():
    values = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    array, _ = load_image(encode(Image.fromarray(values), "PNG"))
    assert array.shape == (1, 3, 4)
    np.testing.assert_allclose(array[0], values / 65535, atol=1e-6)


def test_palette_png_becomes_colour():
    image = Image.fromarray(gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    array, _ = load_image(encode(image, "PNG"))
    assert array.shape == (3, 30, 40) and 0 <= array.min() and array.max() <= 1


def test_transparency_is_shown_on_white_with_a_notice():
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red, fully transparent on the left half
    rgba[:, 5:, 3] = 255
    array, notices = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_allclose(array[:, 0, 0], [1, 1, 1])
    np.testing.assert_allclose(array[:, 0, 9], [1, 0, 0])
    assert any("white" in n for n in notices)


def test_cmyk_and_grey_jpegs_decode():
    cmyk = encode(Image.fromarray(gradient()).convert("CMYK"), "JPEG")
    array, _ = load_image(cmyk)
    assert array.shape == (3, 30, 40)
    grey, _ = load_image(encode(Image.fromarray(gradient()[..., 0]), "JPEG"))
    assert grey.shape == (1, 30, 40)


def test_exif_rotation_is_applied():
    image = Image.fromarray(gradient(40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    array, _ = load_image(encode(image, "JPEG", exif=exif))
    assert array.shape == (3, 40, 20)


def test_a_large_image_is_scaled_down_with_a_notice():
    big = Image.fromarray(np.zeros((1500, 3000, 3), dtype=np.uint8))
    for fmt in ("PNG", "JPEG"):
        array, notices = load_image(encode(big, fmt))
        assert max(array.shape[1:]) == MAX_SIDE
        assert array.shape[1:] == (512, 1024)
        assert any("scaled down from 3,000×1,500" in n for n in notices)


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"hello, this is text", "not a PNG or JPEG file"),
    (b"GIF89a" + b"\x00" * 20, "not a PNG or JPEG file"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not a PNG or JPEG file"),
    (png_declaring(50_000, 50_000), "a decompression bomb"),
    (png_declaring(7_000, 7_000), "declares 7,000×7,000 pixels, more than this app will decode"),
])
def test_unusable_files_get_a_message(data, message):
    with pytest.raises(ImageError) as raised:
        load_image(data)
    assert message in str(raised.value)


def test_a_truncated_png_gets_a_message():
    data = encode(Image.fromarray(gradient(200, 200)), "PNG")
    with pytest.raises(ImageError, match="truncated or damaged"):
        load_image(data[: len(data) // 2])


def test_a_truncated_jpeg_gets_a_message_or_decodes():
    data = encode(Image.fromarray(gradient(200, 200)), "JPEG")
    with pytest.raises(ImageError, match="truncated or damaged"):
        load_image(data[:300])


def test_an_animated_gif_renamed_png_is_still_refused():
    frames = [Image.fromarray(gradient()), Image.fromarray(gradient()[::-1])]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageError, match="not a PNG or JPEG"):
        load_image(buffer.getvalue())


def test_an_animated_png_uses_its_first_frame_with_a_notice():
    frames = [Image.fromarray(gradient()), Image.fromarray(gradient()[::-1])]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    array, notices = load_image(buffer.getvalue())
    assert array.shape == (3, 30, 40)
    assert any("first" in n for n in notices)
