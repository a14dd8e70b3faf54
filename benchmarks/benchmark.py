"""The performance table: every measure against its budget, with a verdict.

    python benchmarks/benchmark.py            # everything (about three minutes on 2 cores)
    python benchmarks/benchmark.py --quick    # fewer repetitions
    python benchmarks/benchmark.py --no-browser

Exits non-zero when a budget fails. Budgets live here, not in the tests: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402

from report import print_table, record  # noqa: E402  (the table both scripts print)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- server reruns (AppTest)

PAGES = {
    "welcome": ("pages/welcome.py", {}, {}),
    "convolution": ("pages/convolution.py", {},
                    dict(h=16, w=16, c=4, kh=7, kw=7, n=4, stride=3, dil=3, pad="3")),
    "convolution, largest animation": ("pages/convolution.py", None,
                                       dict(h=16, w=16, c=4, kh=1, kw=1, n=4, stride=1, dil=1, pad="3", kernel="random")),
    "spatially separable": ("pages/spatially_separable.py", {}, dict(h=16, w=16, kernel="Gaussian 5×5", pad="same")),
    "depthwise": ("pages/depthwise.py", {},
                  {"preset": "custom (use the sliders)", "h": 8, "w": 8, "c": 16, "k": 5, "m": 3, "pad": "2"}),
    "pointwise": ("pages/pointwise.py", {}, {"preset": "custom (use the sliders)", "h": 8, "w": 8, "c": 8, "k": 5,
                                              "n": 256}),
    "depthwise separable": ("pages/depthwise_separable.py", {},
                            dict(preset="custom", h=64, w=64, c=64, k=7, n=512, groups=64, pad="same")),
    "flattening": ("pages/flattening.py", {}, dict(c=4, h=5, w=5, units=4096)),
    "network costs": ("pages/network_costs.py", {}, dict(alpha=0.25, res=128)),
    # its largest layer the page times (under lessons.measured_time.MAX_MEASURED multiplications); a new layer is
    # measured on its first run (at most 2 s), then read from the process's store
    "measured time": ("pages/measured_time.py", {},
                      {"layer": "custom (use the sliders)", "c": 64, "h": 56, "k": 3, "n": 128}),
}


def apply(at, settings: dict) -> None:
    for key, value in settings.items():
        for kind in ("slider", "selectbox", "select_slider"):
            try:
                widget = getattr(at, kind)(key=key)
            except KeyError:
                continue
            widget.set_value(value)
            if kind == "selectbox":  # a choice may enable other controls (an example preset)
                at.run()
            break


def chart_payloads(at) -> dict[str, tuple[int, bool]]:
    """Each chart of the page: its key -> (the bytes its figure sends, whether it is a 3-D scene)."""
    payloads = {}
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        key = chart.proto.id.rsplit("-", 1)[-1] if "-" in chart.proto.id else chart.proto.id
        payloads[key] = (len(spec.encode()), '"scene"' in spec)
    return payloads


def rerun_times(page: str, settings: dict, repeat: int) -> tuple[float, dict[str, tuple[int, bool]]]:
    """Median seconds of a rerun after a slider change, each change a new computation (new seed).

    Returns (median, chart_payloads at these settings)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if page != "pages/welcome.py":
        at.switch_page(page).run()
    apply(at, settings)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} with {settings}: {at.exception}")
    payload = chart_payloads(at)
    times = []
    # each rerun after a change that needs new work: a new random seed where the page has one,
    # otherwise a value of its first slider not used before (or its select slider's options in turn)
    has_seed = any(s.key == "seed" for s in at.slider)
    toggle = None
    enabled = [slider for slider in at.slider if not slider.proto.disabled]  # not an example's greyed, fixed value
    if enabled:
        first = enabled[0]
        values = list(range(int(first.min), int(first.max) + 1))
        toggle = ("slider", first.key, [v for v in values if v != first.value] or values)
    elif at.select_slider:
        first = at.select_slider[0]
        toggle = ("select_slider", first.key, list(first.options))
    for i in range(repeat):
        if has_seed:
            at.slider(key="seed").set_value((i + 1) % 100)
        elif toggle:
            kind, key, values = toggle
            getattr(at, kind)(key=key).set_value(values[i % len(values)])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception}")
    return statistics.median(times), payload


def bench_pages(repeat: int) -> None:
    print("Server rerun after a slider change (AppTest, a new computation every time):")
    for name, (page, defaults, maximum) in PAGES.items():
        if not (ROOT / page).exists():
            continue
        for label, settings, budget in (("defaults", defaults, 0.150), ("maximum settings", maximum, 0.600)):
            if settings is None:
                continue
            median, payloads = rerun_times(page, settings, repeat)
            record(f"rerun, {name}, {label}", f"{median * 1000:.0f} ms median of {repeat}",
                   f"≤ {budget * 1000:.0f} ms", median <= budget)
            if payloads:  # every chart, animations included, within the budget of one animation
                key, (largest, _) = max(payloads.items(), key=lambda item: item[1][0])
                record(f"largest chart payload, {name}, {label} ({key})", f"{largest:,} bytes",
                       "≤ 1,000,000 bytes", largest <= 1_000_000)
            for key, (size, scene) in payloads.items():
                if scene:
                    record(f"3-D chart payload, {name}, {label} ({key})", f"{size:,} bytes", "≤ 1,000,000 bytes",
                           size <= 1_000_000)


def bench_frames() -> None:
    import plotly.io as pio

    from viz import scan_figure

    def per_step(size: int) -> float:
        x = engine.input_pattern("random integers", 2, size, size)
        trace = engine.scan_trace(x, engine.kernel_bank("random", 2, 2, 3, 3))
        spec = json.loads(pio.to_json(scan_figure(trace), validate=False))
        moving = json.dumps(spec["frames"]) + json.dumps(spec["layout"]["sliders"])
        return len(moving) / trace.steps

    small, large = per_step(6), per_step(16)
    record("bytes per animation step, 6×6 against 16×16 input", f"{small:.0f} and {large:.0f}",
           "within 15%", abs(large - small) / small < 0.15)


# ---------------------------------------------------------------- engine speed

def bench_engine(repeat: int) -> None:
    print("Engine against a matrix product of the same multiply count (same run):")
    rng = np.random.default_rng(0)
    cases = [
        ("conv2d 3×224×224, 16 kernels 3×3", (3, 224, 224), (16, 3, 3, 3), dict()),
        ("conv2d 3×224×224, 16 kernels 5×5, stride 2, dilation 2", (3, 224, 224), (16, 3, 5, 5),
         dict(stride=2, dilation=2)),
    ]
    for name, x_shape, w_shape, kwargs in cases:
        x = rng.normal(size=x_shape).astype(np.float32)
        w = rng.normal(size=w_shape).astype(np.float32)
        out = engine.conv2d(x, w, **kwargs)
        k = w_shape[1] * w_shape[2] * w_shape[3]
        a = rng.normal(size=(w_shape[0], k)).astype(np.float32)
        b = rng.normal(size=(k, out.shape[1] * out.shape[2])).astype(np.float32)
        t_conv = median_time(lambda: engine.conv2d(x, w, **kwargs), repeat)
        t_mm = median_time(lambda: a @ b, repeat)
        ratio = t_conv / t_mm
        record(name, f"{t_conv * 1000:.2f} ms = {ratio:.2f}× the matrix product ({t_mm * 1000:.2f} ms)", "≤ 3×", ratio <= 3)

    x = rng.normal(size=(32, 112, 112)).astype(np.float32)
    d = rng.normal(size=(32, 3, 3)).astype(np.float32)
    out = engine.depthwise_conv2d(x, d)
    # the same multiply count, 32 x 9 x positions, as matrix products: per channel (1 x 9) by (9 x positions)
    a = rng.normal(size=(32, 1, 9)).astype(np.float32)
    b = rng.normal(size=(32, 9, out.shape[1] * out.shape[2])).astype(np.float32)
    t_dw = median_time(lambda: engine.depthwise_conv2d(x, d), repeat)
    t_mm = median_time(lambda: np.matmul(a, b), repeat)
    record("depthwise 32×112×112, 3×3", f"{t_dw * 1000:.2f} ms = {t_dw / t_mm:.2f}× 32 products (1×9)·(9×12,100) "
           f"({t_mm * 1000:.2f} ms)", "≤ 3×", t_dw / t_mm <= 3)
    p = rng.normal(size=(64, 32)).astype(np.float32)
    b2 = rng.normal(size=(32, 112 * 112)).astype(np.float32)
    t_pw = median_time(lambda: engine.pointwise_conv2d(x, p), repeat)
    t_mm = median_time(lambda: p @ b2, repeat)
    record("pointwise 32→64 on 112×112", f"{t_pw * 1000:.2f} ms = {t_pw / t_mm:.2f}× the matrix product "
           f"({t_mm * 1000:.2f} ms)", "≤ 3×", t_pw / t_mm <= 3)

    image = rng.random(size=(3, 1024, 1024)).astype(np.float32)
    kernel = engine.SEPARABLE_PRESETS["Gaussian 5×5"]
    kernel = np.outer(np.r_[1.0, kernel[:, 0] / kernel[0, 0], 1.0][:7], np.ones(7))  # a rank-1 7×7 kernel
    col, row = engine.separable_factors(kernel)
    k32 = kernel.astype(np.float32)[None, None]

    def full():
        return [engine.conv2d(image[c:c + 1], k32) for c in range(3)]

    def two_pass():
        return engine.two_pass_conv2d(image, col, row)

    t_full = median_time(full, max(3, repeat // 2))
    t_two = median_time(two_pass, max(3, repeat // 2))
    record("1024×1024 RGB, 7×7 kernel, full", f"{t_full * 1000:.0f} ms", "≤ 600 ms (page rerun)", t_full <= 0.6)
    record("1024×1024 RGB, 7×7 kernel, two passes", f"{t_two * 1000:.0f} ms, {t_full / t_two:.1f}× faster than full",
           "≤ 600 ms and faster", t_two <= 0.6 and t_two < t_full)


# ---------------------------------------------------------------- browser

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scene_first_draw(page, url: str) -> float:
    """Seconds from navigating to `url` until its first 3-D scene has drawn: its WebGL canvas exists and
    plotly.js has finished a plot of the chart (the scene's camera is set up)."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')].some(gd =>
               gd._fullLayout && gd._fullLayout.scene && gd._fullLayout.scene._scene &&
               gd.querySelector('.gl-container canvas'))""", polling="raf", timeout=60000)
    return time.perf_counter() - start


def bench_browser(changes: int) -> None:
    print("Browser (Debian Chromium, real server):")
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/convolution")
            page.wait_for_selector("[data-testid=stPlotlyChart] .js-plotly-plot .heatmaplayer image", timeout=60000)
            first = time.perf_counter() - start
            record("navigation to first chart drawn", f"{first * 1000:.0f} ms", "information", True)
            slider = page.locator("[data-testid=stSlider] input[type=range]").first
            latencies = []
            for i in range(changes):
                height = 5 + (1 if i % 2 == 0 else 0)
                key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                slider.focus()
                t0 = page.evaluate("() => performance.now()")
                slider.press(key)
                page.wait_for_function(
                    """(h) => { const g = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
                               return g && g.layout && g.layout.annotations.some(a => (a.text || '').includes('>input</b><br>' + h + '×')); }""",
                    arg=height, polling="raf", timeout=20000)
                latencies.append(page.evaluate("() => performance.now()") - t0)
            median = statistics.median(latencies)
            record(f"slider change to updated chart, median of {changes}", f"{median:.0f} ms", "≤ 300 ms", median <= 300)
            first_3d = scene_first_draw(page, f"http://127.0.0.1:{port}/depthwise")
            record("Depthwise: navigation to the 3-D animation drawn (WebGL in software)", f"{first_3d * 1000:.0f} ms",
                   "information", True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser measures")
    args = parser.parse_args()
    os.chdir(ROOT)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores"
          + (" (busy: timings will be slow and noisy)" if load > (os.cpu_count() or 1) else ""))
    repeat = 7 if args.quick else 15
    bench_pages(repeat)
    bench_frames()
    bench_engine(7 if args.quick else 11)
    if not args.no_browser:
        bench_browser(10 if args.quick else 14)
    return print_table("python benchmarks/benchmark.py")


if __name__ == "__main__":
    sys.exit(main())
