"""Uploads are safe: memory stays bounded, nothing is written to disk, nothing is echoed as HTML.

Memory and disk are checked in a fresh Python process each (peak resident memory is a high-water
mark for the whole process, and an audit hook cannot be removed once added), the HTML through the
real page in AppTest, which can set st.file_uploader's file in Streamlit 1.67.
"""

import json
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from test_uploads import chunk, encode, upload_cases

pytest.importorskip("resource")  # peak memory: POSIX only (Linux reads VmHWM, macOS ru_maxrss)

MB = 1024 * 1024
PAGE = "pages/spatially_separable.py"


def peak_memory_increase(data: bytes) -> tuple[int, str]:
    """Run load_image on data in a fresh process: the growth of its peak resident memory, and the outcome."""
    script = f"""
import resource, sys
sys.path.insert(0, {str(ROOT)!r})
import uploads

def peak():
    # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's over from before exec)
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

data = sys.stdin.buffer.read()
before = peak()
try:
    pixels, notices = uploads.load_image(data)
    outcome = f"{{pixels.shape}} {{notices}}"
except uploads.ImageError as error:
    outcome = str(error)
print(peak() - before)
print(outcome)
"""
    done = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True, timeout=300, check=True)
    increase, outcome = done.stdout.decode().split("\n", 1)
    return int(increase), outcome.strip()


def large_png(width: int, height: int) -> bytes:
    """An RGBA PNG of width×height pixels (blocks, some transparent), compressed a band of rows at a time."""
    compressor, parts = zlib.compressobj(), []
    rng = np.random.default_rng(0)
    for top in range(0, height, 500):
        rows = min(500, height - top)
        band = rng.integers(0, 256, (rows // 100 + 1, width // 100 + 1, 4), dtype=np.uint8)
        band = np.repeat(np.repeat(band, 100, axis=0), 100, axis=1)[:rows, :width]
        band[..., 3] = np.where(band[..., 3] > 64, 255, 0)
        parts.append(compressor.compress(b"".join(b"\x00" + row.tobytes() for row in band)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


# ---- Memory stays bounded


def test_a_decompression_bomb_is_refused_without_allocating_its_pixels():
    # 50,000×50,000 declared: 2.5 billion pixels, 10 GB as RGBA, 2.5 GB even as 8-bit grey
    increase, outcome = peak_memory_increase(upload_cases()["bomb.png"])
    assert outcome.startswith("the image declares 50,000×50,000 pixels"), outcome
    assert increase < 10 * MB, increase / MB
    increase, outcome = peak_memory_increase(upload_cases()["bomb.jpg"])
    assert outcome.startswith("the image declares 60,000×60,000 pixels"), outcome
    assert increase < 10 * MB, increase / MB


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    # 6000×4000: fully decoded that is 92 MB in Pillow (RGB is stored as 4 bytes a pixel) and 275 MB
    # as float32; JPEG's draft mode decodes it at 1/4 scale (1500×1000, 6 MB) instead. (It was
    # 200 MB when the draft asked for 1024×1024, got 1/2 scale, and converted that to float32.)
    rng = np.random.default_rng(1)
    pixels = np.repeat(np.repeat(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8), 100, axis=0), 100, axis=1)
    data = encode(Image.fromarray(pixels), "JPEG", quality=85)
    del pixels
    increase, outcome = peak_memory_increase(data)
    assert outcome == "(3, 683, 1024) ['scaled down from 6,000×4,000 to 1,024×683 pixels (at most 1,024 on a side)']"
    assert increase < 60 * MB, increase / MB


def test_a_large_png_within_the_limits_is_reduced_without_copies():
    # 6000×6000 RGBA, 36 million pixels (under the 40 million limit) in a file of a few hundred kB.
    # A PNG cannot be decoded at a reduced scale: the decoded image itself is 36 million × 4 bytes,
    # 137 MB (MB = 1024 × 1024 bytes here). Everything after that works on tiles, so the peak stays
    # under 200 MB (it was 1.5 GB when the whole image was converted to RGBA, composited on white
    # and made float32 at full size).
    data = large_png(6000, 6000)
    assert len(data) < 2 * MB
    increase, outcome = peak_memory_increase(data)
    assert outcome.startswith("(3, 1024, 1024) ['transparent parts are shown on white', 'scaled down from 6,000×6,000"), \
        outcome
    assert increase < 200 * MB, increase / MB


# ---- Nothing is written to disk


def test_no_upload_is_ever_written_to_disk():
    """Every kind of file through the loader under an audit hook that records any write, temp file or rename."""
    script = f"""
import json, os, sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
import uploads
from test_uploads import upload_cases

cases = upload_cases()
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
WRITING_EVENTS = ("tempfile.", "os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir", "os.truncate",
                  "os.link", "os.symlink", "shutil.", "os.chmod", "mmap.")
writes, watching = [], False

def hook(event, args):
    if not watching:
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None))[:3]
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (isinstance(flags, int) and flags > 0
                                                                   and flags & WRITE_FLAGS):
            writes.append([event, str(path), str(mode), flags])
    elif event.startswith(WRITING_EVENTS):
        writes.append([event, str(args[:1])])

sys.addaudithook(hook)
outcomes = {{}}
watching = True
for name, data in cases.items():
    try:
        pixels, notices = uploads.load_image(data)
        outcomes[name] = "works"
    except uploads.ImageError:
        outcomes[name] = "message"
watching = False
caught = len(writes)
# the hook does see writes: a temporary file and a plain open for writing
watching = True
import tempfile
with tempfile.TemporaryFile() as handle:
    handle.write(b"x")
watching = False
print(json.dumps({{"writes": writes[:caught], "outcomes": outcomes, "self_check": len(writes) - caught}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300, check=True, cwd=ROOT)
    report = json.loads(done.stdout)
    assert report["self_check"] >= 1, "the audit hook saw no write at all: it would not catch one either"
    assert report["writes"] == []
    assert set(report["outcomes"]) == set(upload_cases())
    assert report["outcomes"]["large.jpg"] == "works" and report["outcomes"]["bomb.png"] == "message"


# ---- Never echoed as HTML


EVIL_NAME = "<img src=x onerror=alert('upload-name')>.png"
EVIL_TEXT = "<script>alert('upload-bytes')</script>"


def evil_png() -> bytes:
    """A valid PNG whose text chunk and EXIF hold HTML: metadata must not reach the page either."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", EVIL_TEXT)
    return encode(Image.fromarray(np.zeros((20, 30, 4), dtype=np.uint8), "RGBA"), "PNG", pnginfo=info)


def page_text(at) -> list[str]:
    """Every element's protobuf as text: markdown, alerts, captions, the page's own st.html, images, widgets..."""
    texts, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(str(proto))
    return texts


@pytest.mark.parametrize("case, shown", [
    ("png with HTML in its text chunk", "info"),  # works, with a notice
    ("HTML bytes", "error"),
    ("animated gif renamed.png", "error"),
    ("too large.png", "error"),
    ("bomb.png", "error"),
])
def test_the_page_never_echoes_the_uploads_name_or_bytes(case, shown):
    data = {"png with HTML in its text chunk": evil_png(),
            "HTML bytes": EVIL_TEXT.encode() + b" and not an image"}.get(case) or upload_cases()[case]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"image": "upload your own"})
    at.run()
    at.switch_page(PAGE).run()
    at.file_uploader(key="upload").set_value((EVIL_NAME, data, "image/png")).run()
    assert not at.exception, at.exception
    assert getattr(at, shown), f"no st.{shown} after the upload"
    if shown == "error":
        assert at.error[0].value.startswith("**This image cannot be used:** ")
    else:
        assert len(at.image) >= 4  # the input and the three filtered images
    text = "\n".join(page_text(at))
    for fragment in ("upload-name", "upload-bytes", "<img src=x", "onerror", "&lt;img"):  # not even escaped
        assert fragment not in text, fragment


def test_the_page_says_what_it_accepts_under_the_uploader():
    # A file over the limit never reaches the script (Streamlit's uploader refuses it in the browser
    # and marks it red, its reason only on hover), so the limits are written out beforehand.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"image": "upload your own"})
    at.run()
    at.switch_page(PAGE).run()
    assert at.file_uploader(key="upload").allowed_type == [".png", ".jpg", ".jpeg"]
    text = " ".join(c.value for c in at.caption)
    assert "Accepted: a PNG or JPEG image of up to 10 MB and 40 million pixels" in text
    assert "A file over 10 MB is not uploaded" in text


def test_an_image_too_small_to_filter_keeps_its_notices_beside_the_explanation():
    """A 2×2 RGBA image under the 3×3 kernel: the page says what it did to the image (transparency
    on white) and why it cannot filter it, not one without the other."""
    pixels = np.zeros((2, 2, 4), dtype=np.uint8)
    pixels[..., 3] = 128  # half transparent
    data = encode(Image.fromarray(pixels, "RGBA"), "PNG")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"image": "upload your own"})
    at.run()
    at.switch_page(PAGE).run()
    at.file_uploader(key="upload").set_value(("tiny.png", data, "image/png")).run()
    assert not at.exception, at.exception
    assert any("Transparent parts are shown on white" in i.value for i in at.info), [i.value for i in at.info]
    assert any("cannot be computed" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.image
