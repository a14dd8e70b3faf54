"""Uploads are safe: memory stays bounded, nothing is written to disk, nothing is echoed as HTML.

Memory and disk are checked in a fresh Python process each (peak resident memory is a high-water
mark for the whole process, and an audit hook cannot be removed once added), the HTML through the
real page in AppTest, which can set st.file_uploader's file in Streamlit 1.67.
"""

import functools
import io
import json
import re
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from streamlit.testing.v1 import AppTest

from conftest import ROOT
import uploads
from test_uploads import chunk, encode, gradient, upload_cases
from uploads import ImageError, load_image

resource = pytest.importorskip("resource")  # peak memory and CPU: POSIX only

MB = 1024 * 1024
PAGE = "pages/spatially_separable.py"


@pytest.fixture(autouse=True)
def no_kept_answers():
    """Each test decodes for itself: no answer kept from another test (uploads keeps the last few)."""
    uploads._ANSWERS.clear()
    yield
    uploads._ANSWERS.clear()


def peak_memory_increase(data: bytes) -> tuple[int, str]:
    """Run load_image on data in a fresh process: the growth of its peak resident memory plus the
    peak of the decoding process it starts (all of that process: it did not exist before), and the
    outcome."""
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

decoders = []  # the decoding process's own peak, as it reports it
run = getattr(uploads, "_run_worker", None)
def reporting(data, request):
    reply, pixels = run(data, request)
    decoders.append(reply.get("peak") or 0)
    return reply, pixels
if run is not None:
    uploads._run_worker = reporting

data = sys.stdin.buffer.read()
before = peak()
try:
    pixels, notices = uploads.load_image(data)
    outcome = f"{{pixels.shape}} {{notices}}"
except uploads.ImageError as error:
    outcome = str(error)
# A decoder that was stopped reports nothing: then the children's peak, which on Linux is at least
# this process's own peak when it started one (the started process shares it until it runs Python).
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(peak() - before + (decoders[0] if decoders else children))
print(outcome)
"""
    done = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True, timeout=300, check=True)
    increase, outcome = done.stdout.decode().split("\n", 1)
    return int(increase), outcome.strip()


def cpu_seconds() -> float:
    """CPU time of this process and of the processes it started and waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
    # 137 MB (MB = 1024 × 1024 bytes here), in the decoding process, with Python and Pillow (20 MB).
    # Everything after that works on tiles, and the server's process only makes the 1024×1024 array,
    # so the peak of both together stays under 250 MB (it was 1.5 GB when the whole image was
    # converted to RGBA, composited on white and made float32 at full size).
    data = large_png(6000, 6000)
    assert len(data) < 2 * MB
    increase, outcome = peak_memory_increase(data)
    assert outcome.startswith("(3, 1024, 1024) ['transparent parts are shown on white', 'scaled down from 6,000×6,000"), \
        outcome
    assert increase < 250 * MB, increase / MB


# ---- Hostile files: a few hundred kB that would take gigabytes or minutes (issue 12)


def deflated(head: bytes, unit: bytes, count: int) -> bytes:
    """A zlib stream of head + unit × count, made in a moment however large: after a full flush the
    compressor has forgotten what came before, so each block of units compresses to the same bytes."""
    block = unit * min(count, max(1, 8_000_000 // len(unit)))
    blocks, rest = divmod(count, len(block) // len(unit))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: the zlib header and check are added here
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    packed = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(unit * rest) + compressor.flush()
    check = zlib.adler32(head)
    for _ in range(blocks):
        check = zlib.adler32(block, check)
    check = zlib.adler32(unit * rest, check)
    return b"\x78\xda" + start + packed * blocks + end + struct.pack(">I", check)


def flat_png(width: int, height: int, bit_depth: int, colour_type: int) -> bytes:
    """A PNG of width × height zero pixels (each row after its filter byte, 0): a few hundred kB at most."""
    pixel = bytes({0: 1, 2: 3, 4: 2, 6: 4}[colour_type] * bit_depth // 8)
    rows = deflated(b"\x00", pixel, width) if height == 1 else deflated(b"", b"\x00" + pixel * width, height)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def repeated_scans(side: int, repeats: int) -> bytes:
    """A progressive side×side grey JPEG whose last scan (59 bytes when the image is flat) is repeated."""
    data = encode(Image.new("L", (side, side)), "JPEG", progressive=True)
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * repeats + b"\xff\xd9"


# name -> (width, height, bit depth, colour type): what the issue measured in the server's process
THIN_PNGS = {
    "1×40,000,000 16-bit RGBA": (1, 40_000_000, 16, 6),  # 350 kB; 1,357 MiB
    "40,000,000×1 8-bit RGBA": (40_000_000, 1, 8, 6),  # 156 kB; about 700 MiB
    "40,000,000×1 16-bit grey": (40_000_000, 1, 16, 0),  # 78 kB; about 700 MiB
}
SCANS_JPEG = "6000×6000 progressive JPEG, last scan ×1,000"  # 200 kB; 21 s of CPU


@functools.cache
def hostile_uploads() -> dict[str, bytes]:
    """The issue's hostile files (benchmarks/hostile_input.py uploads them through a browser)."""
    return {**{name: flat_png(*shape) for name, shape in THIN_PNGS.items()}, SCANS_JPEG: repeated_scans(6000, 1000)}


@pytest.mark.parametrize("name", list(THIN_PNGS))
def test_a_thin_png_is_refused_within_the_memory_bound(name):
    # Pillow would hold 8 bytes for each of 40 million rows and 4 for each pixel, or two rows of
    # 160 MB while it unfilters them: refused from the header, nothing decoded.
    data = hostile_uploads()[name]
    assert len(data) < 400_000
    increase, outcome = peak_memory_increase(data)
    assert increase < 300 * MB, increase / MB  # the budget for one upload
    width, height = THIN_PNGS[name][:2]
    assert outcome.startswith("this image needs about ") and f"to decode ({width:,}×{height:,} pixels" in outcome \
        and "more than the 200 MB this server gives one upload, so it was not decoded" in outcome, outcome


def test_a_thin_png_within_the_limits_is_decoded_in_little_memory():
    # 1×4,000,000 16-bit RGBA: 46 MB as Pillow holds it (4 bytes a pixel, 8 a row), 65 MB in all here;
    # reduced 3,906 times along its length only. It was 122 MB when it was reduced by 1 (its width
    # is already within the size) and resized whole.
    increase, outcome = peak_memory_increase(flat_png(1, 4_000_000, 16, 6))
    assert increase < 100 * MB, increase / MB
    assert outcome == ("(3, 1024, 1) ['transparent parts are shown on white', 'scaled down from 1×4,000,000 to 1×1,024 "
                       "pixels (at most 1,024 on a side)']"), outcome


def test_a_jpeg_of_a_thousand_scans_is_refused_within_the_cpu_bound():
    data = hostile_uploads()[SCANS_JPEG]
    assert len(data) < 250_000
    start = cpu_seconds()
    try:
        load_image(data)
    except ImageError as error:
        message = str(error)
    assert cpu_seconds() - start < 1.0  # it was 21 s; the header is read in milliseconds
    # refused as soon as the scans read so far walk more than 20 million blocks (35 of 562,500)
    assert message.startswith("the JPEG file is stored in 36 scans that walk more than 20,000,000 blocks of 8×8 "
                              "pixels of its 6,000×6,000 pixels"), message


def many_scan_headers(components: int, scans: int, side: int = 8) -> bytes:
    """A JPEG of one frame with `components` components and `scans` scan headers listing them all."""
    ids = bytes(range(1, components + 1))
    frame = struct.pack(">BHHB", 8, side, side, components) + b"".join(bytes([i, 0x11, 0]) for i in ids)
    scan = bytes([components]) + b"".join(bytes([i, 0]) for i in ids) + b"\x00\x3f\x00"
    segment = lambda marker, body: b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body  # noqa: E731
    return b"\xff\xd8" + segment(0xC2, frame) + segment(0xDA, scan) * scans + b"\xff\xd9"


@pytest.mark.parametrize("components, scans", [(255, 1_998), (4, 1_998), (3, 101)])
def test_a_jpeg_of_many_scan_headers_is_refused_in_milliseconds(components, scans):
    # 1 MB of scan headers listing 255 components each took the header check 0.58 s, every rerun
    data = many_scan_headers(components, scans)
    start = cpu_seconds()
    with pytest.raises(ImageError, match="colour components|more than 100 scans"):
        uploads._check_header(data, "JPEG", uploads.MAX_SIDE)
    assert cpu_seconds() - start < 0.05


def test_a_png_whose_first_chunk_is_not_ihdr_is_refused_before_decoding():
    # Pillow reads on past a chunk before IHDR; the header check must not: the thin PNG, with a tEXt first
    width, height, depth, colour = THIN_PNGS["1×40,000,000 16-bit RGBA"]
    data = flat_png(width, height, depth, colour)
    shuffled = data[:8] + chunk(b"tEXt", b"Comment\x00x") + data[8:]
    assert PngImagePlugin.PngImageFile(io.BytesIO(shuffled)).size == (width, height)
    with pytest.raises(ImageError, match="does not start with its IHDR chunk"):
        uploads._check_header(shuffled, "PNG", uploads.MAX_SIDE)


def test_a_jpeg_of_as_many_scans_as_allowed_decodes_within_the_cpu_bound():
    # 6000×6000 grey, 6 scans and 29 more, each over 562,500 blocks: just within the 20 million blocks
    data = repeated_scans(6000, 29)
    start = cpu_seconds()
    array, _ = load_image(data)
    assert array.shape == (1, 1024, 1024)
    assert cpu_seconds() - start < 3  # the budget for one upload; about 1 s here


def test_a_decode_that_runs_out_of_cpu_time_is_stopped(monkeypatch):
    # Past the header check (its scan limits lifted), a decoder with 1 s: 3,000 scans take about 7 s
    for name in ("MAX_JPEG_SCANS", "MAX_JPEG_SCAN_BLOCKS", "MAX_JPEG_SEGMENTS"):
        monkeypatch.setattr(uploads, name, 10**12)
    monkeypatch.setattr(uploads, "DECODE_CPU_SECONDS", 1)
    data = repeated_scans(2000, 3000)
    start = cpu_seconds()
    with pytest.raises(ImageError, match="this image needs more than the 1 s of computing time this server gives one "
                                         "upload, so decoding it was stopped: save it again"):
        load_image(data)
    assert cpu_seconds() - start < 2.5


def test_a_decode_that_runs_out_of_memory_is_stopped(monkeypatch):
    data = large_png(3000, 3000)  # 36 MB as Pillow holds it
    monkeypatch.setattr(uploads, "DECODE_MEMORY_MB", 30)
    with pytest.raises(ImageError, match=r"this image needs about \d\d MB of memory to decode \(3,000×3,000 pixels, "
                                         r"8-bit RGBA\), more than the 30 MB this server gives one upload"):
        load_image(data)  # the header says so
    monkeypatch.setattr(uploads, "_check_header", lambda *args: None)
    with pytest.raises(ImageError, match="this image needs more than the 30 MB of memory this server gives one upload, "
                                         "so decoding it was stopped: save it with fewer pixels"):
        load_image(data)  # the decoder's own limit


def test_running_out_of_memory_in_the_servers_process_is_a_message_too(monkeypatch):
    def out_of_memory(*args):
        raise MemoryError
    monkeypatch.setattr(uploads, "_to_array", out_of_memory)
    with pytest.raises(ImageError, match="this image needs more than the 200 MB of memory"):
        load_image(upload_cases()["colour.png"])


ANSWER = '{"mode": "RGB", "size": [2, 2], "shown": [2, 2], "frames": false}'


@pytest.mark.parametrize("worker, message", [
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "this image needs more than the 200 MB of memory"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGXCPU)", "this image needs more than the 2 s of computing time"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
     "the PNG file could not be decoded (the decoder stopped with SIGSEGV): it may be damaged"),
    ("raise MemoryError", "this image needs more than the 200 MB of memory"),
    ("print('not an answer')", "the PNG file could not be decoded (the decoder stopped)"),
    (f"print({ANSWER!r})", "the PNG file could not be decoded (the decoder's answer was incomplete)"),
    ("import time; time.sleep(60)", "decoding this image took more than the 0.5 s this server gives one upload, so "
                                    "it was stopped: try again in a moment"),
])
def test_a_decoder_that_is_killed_crashes_or_hangs_gives_a_message(tmp_path, monkeypatch, worker, message):
    (tmp_path / "worker.py").write_text(worker)
    monkeypatch.setattr(uploads, "_WORKER", tmp_path / "worker.py")
    monkeypatch.setattr(uploads, "DECODE_WALL_SECONDS", 0.5)
    start = time.monotonic()
    with pytest.raises(ImageError) as raised:
        load_image(upload_cases()["colour.png"])
    assert str(raised.value).startswith(message), str(raised.value)
    assert time.monotonic() - start < 10


def test_at_most_two_decodes_run_at_once(monkeypatch):
    running, most, lock = [0], [0], threading.Lock()
    run = uploads._run_worker

    def counted(data, request):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)
            return run(data, request)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(uploads, "_run_worker", counted)
    files = [encode(Image.fromarray(gradient(40 + i)), "PNG") for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        shapes = list(pool.map(lambda data: load_image(data)[0].shape, files))
    assert shapes == [(3, 30, 40 + i) for i in range(6)]
    assert most[0] == uploads.CONCURRENT_DECODES == 2


def test_the_same_file_again_is_not_decoded_again_unless_its_decoder_was_stopped(monkeypatch):
    runs = []
    run = uploads._run_worker
    monkeypatch.setattr(uploads, "_run_worker", lambda data, request: runs.append(1) or run(data, request))
    data = upload_cases()["rgba.png"]
    first, again = load_image(data), load_image(data)  # the page filters one image many times
    np.testing.assert_array_equal(first[0], again[0])
    assert first[1] == again[1] == ["transparent parts are shown on white"] and len(runs) == 1
    for _ in range(2):  # a refusal from the decoder is kept too
        with pytest.raises(ImageError, match="truncated or damaged"):
            load_image(upload_cases()["truncated.png"])
    assert len(runs) == 2
    monkeypatch.setattr(uploads, "DECODE_WALL_SECONDS", 0.01)
    for _ in range(2):  # a decoder stopped for taking too long (the server was busy): tried again
        with pytest.raises(ImageError, match="took more than the 0.01 s"):
            load_image(upload_cases()["grey.png"])
    assert len(runs) == 4


def test_an_upload_that_waits_too_long_for_its_turn_is_told_to_try_again(monkeypatch):
    monkeypatch.setattr(uploads, "DECODE_WAIT_SECONDS", 0.2)
    for _ in range(uploads.CONCURRENT_DECODES):
        assert uploads._DECODES.acquire(timeout=10)
    try:
        with pytest.raises(ImageError, match="the server is decoding other uploads and none finished within 0.2 s: "
                                             "try again in a moment"):
            load_image(upload_cases()["colour.png"])
    finally:
        for _ in range(uploads.CONCURRENT_DECODES):
            uploads._DECODES.release()


# ---- Nothing is written to disk


def test_no_upload_is_ever_written_to_disk():
    """Every kind of file through the loader under an audit hook that records any write, temp file or rename."""
    script = f"""
import json, os, sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
import decode_worker, uploads
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
        if isinstance(path, int):  # a descriptor already open (the pipes to the decoding process): no new file
            return
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
    # the decoding process's code, here under the hook too
    decode_worker.answer({{"kind": "PNG" if data.startswith(b"\\x89PNG") else "JPEG", "max_side": 1024,
                          "max_pixels": uploads.MAX_DECLARED_PIXELS, "tile": 1024}}, data)
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
    assert "A file over 10 MB (10,000,000 bytes) is refused" in text


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


def test_a_decoder_that_cannot_start_gives_a_message(monkeypatch):
    def refused(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(uploads.subprocess, "Popen", refused)
    with pytest.raises(ImageError, match="could not start a decoder for this image .Resource temporarily unavailable."):
        uploads._run_worker(b"\x89PNG\r\n\x1a\n", {"kind": "PNG"})
