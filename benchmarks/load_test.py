"""A full class at once: one server, many students moving sliders at the same time.

    python benchmarks/load_test.py               # 15 to 20 minutes on 2 cores
    python benchmarks/load_test.py --quick       # a smoke run: short steps, 500 reruns for the memory check
    python benchmarks/load_test.py --sessions 40 --duration 60 --no-browser

What it does, against one `streamlit run app.py` on a free port:

1. Load. Each student is a client speaking Streamlit's own websocket protocol (what the browser
   speaks, without a browser: 40 Chromium tabs would take the 2 cores from the server). It opens
   /_stcore/stream with the "streamlit" subprotocol, sends BackMsg protobufs and reads ForwardMsg
   protobufs. A student opens one of the animated pages (convolution, spatially separable,
   depthwise, pointwise, in turn; the class arrives within 5 s). Once the whole class is in, each
   student moves one slider every 1 to 3 s (seeded random) to a new value: a rerun_script BackMsg
   whose widget states carry every slider's value, the moved one changed, as double_array_value
   (as the frontend sends a slider), with the query string and page script hash the server last
   gave. A student whose previous change has not come back yet waits for it before the next one
   (a student watches the chart). A step's window, over which its rates and CPU are measured,
   starts when the class is in.

   Latency is from sending the change to receiving the first plotly_chart delta whose spec
   differs from that chart's spec in the previous run: the moment the browser gets the updated
   chart and draws it (Streamlit draws deltas as they arrive, before the run ends). A change that
   leaves every chart as it was (a stride on a scan of one position) is counted apart, with no
   chart latency. On the convolution page the chart's "input H×W×C" label must show the sliders'
   values. The time to script_finished (the whole page rerun, code tabs included) is reported
   beside it. Slider ranges are the ones where every combination computes, so an st.error
   ("cannot be computed") is an error here too, as are exception elements, a run that does not
   finish within a minute, a closed socket and tracebacks in the server's log.

   In the main step another 40 students (`--measured`) open the Measured time page beside them, all
   within the window's first 5 s, on a server that has not measured yet (it measures within 2 s per
   request), and once more 20 to 50 s in: the slider students' p95 must hold, and each opening must
   finish (its time to script_finished is reported).

   Steps of 10, 20, 30 sessions (20 s windows), then 40 (60 s) with one real Chromium tab (Debian's
   /usr/bin/chromium through Playwright, moving the Convolution page's height slider with the
   keyboard and timing it to the redrawn chart in the page) beside the protocol clients, to show
   that their latency is what a browser sees; then 50, 60, ... (20 s each) while the p95 is still
   within 1.5 s. Server CPU (% of one core) and RSS come from /proc (or psutil where installed).

2. Caches: every st.cache_data / st.cache_resource in pages/ must set max_entries (read from the
   source, AST).

3. Memory: a fresh server and one session doing 2,000 reruns, each a new value (a new
   computation), cycling through the pages; the server's RSS after 200 reruns and after 2,000
   (each after a short idle settle) must be within 10%.

Prints the measures, a table (measure | value | budget | verdict) and exits non-zero on a FAIL.
The machine is shared: figures on a busy machine are slow and noisy. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib.util
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlencode
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from lessons.pointwise import CUSTOM as POINTWISE_CUSTOM  # noqa: E402

try:
    from websockets.asyncio.client import connect as ws_connect
except ImportError:  # websockets < 14
    from websockets import connect as ws_connect

try:
    import psutil
except ImportError:
    psutil = None

BUDGET_P95 = 1.5  # seconds, slider change to updated chart
LEAK_TOLERANCE = 0.10
RUN_TIMEOUT = 60.0  # seconds a rerun may take before it counts as an error
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# The sliders a student moves on each page (URL key -> values), within the sliders' ranges and
# chosen so that every combination computes with the page's other controls at their defaults
# (kernel 3×3, padding 0, dilation 1; depthwise shows the lecture's 6×6×16 example, whose size
# sliders are disabled).
PAGES = {
    "convolution": {"h": (3, 16), "w": (3, 16), "c": (1, 4), "n": (1, 4), "seed": (0, 99), "stride": (1, 3)},
    "spatially_separable": {"h": (3, 16), "w": (3, 16), "seed": (0, 99), "stride": (1, 3), "rank": (1, 3)},
    "depthwise": {"m": (1, 3), "seed": (0, 99), "stride": (1, 3), "dil": (1, 2)},
    "pointwise": {"h": (2, 8), "w": (2, 8), "c": (1, 8), "n": (1, 6), "seed": (0, 99)},
}
# The choice a page's sliders above need: Pointwise opens on the lecture's table, its size sliders greyed
# out, until its example is "custom". A first visit opens the page's address with it; a page switched to
# within a session opens at its lecture example (its address is not read again), and the session chooses it.
CHOICES = {"pointwise": {"preset": POINTWISE_CUSTOM}}
QUERIES = {page: urlencode(choices) for page, choices in CHOICES.items()}
# the memory check also cycles through a page without an animation
MEMORY_PAGES = {**PAGES, "flattening": {"c": (1, 4), "h": (1, 5), "w": (1, 5)}}
# Controls the pages share (the same key): values every page of MEMORY_PAGES can take and compute.
# Before it leaves a page, the memory check's session moves them back within these.
CARRY = {"h": (3, 5), "w": (3, 5), "c": (1, 4), "n": (1, 4), "dil": (1, 1)}
# (page, control, value, next page): a value the next page's control of that key cannot take
SWITCHES = [("convolution", "h", 12, "pointwise"), ("flattening", "h", 1, "convolution")]

# "<b>input</b><br>9×5×1" in the chart's JSON, HTML-escaped or not
INPUT_LABEL = re.compile(r"input(?:\\u003c|<)(?:\\u002f|/)b(?:\\u003e|>)(?:\\u003c|<)br(?:\\u003e|>)(\d+)×(\d+)×(\d+)")

from report import print_table, record  # noqa: E402  (the table both scripts print)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


# ---------------------------------------------------------------- the server and its process

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free port, its CPU time and memory read from /proc (or psutil)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="streamlit-load-", suffix=".log", delete=False)
        env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.pid = self.process.pid
        self._ps = psutil.Process(self.pid) if psutil else None
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not answer within 90 s:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def log_errors(self) -> list[str]:
        """The server log's ERROR lines and tracebacks, each traceback by its exception line."""
        found, lines = [], self.log_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                ending = next((later for later in lines[i + 1:] if later and not later[0].isspace()), "")
                found.append(f"traceback: {ending.strip()}")
            elif re.search(r"\bERROR\b", line):
                found.append(line.strip())
        return found

    def cpu_seconds(self) -> float:
        if self._ps:
            times = self._ps.cpu_times()
            return times.user + times.system
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def _status(self, name: str) -> int | None:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def rss(self) -> int:
        if self._ps:
            return self._ps.memory_info().rss
        return self._status("VmRSS") or 0

    def peak_rss(self) -> int | None:
        """The process's high-water RSS (Linux)."""
        return self._status("VmHWM")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def remove_log(self) -> None:
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


# ---------------------------------------------------------------- a client speaking Streamlit's protocol

@dataclass
class Run:
    chart: float | None = None  # seconds from the BackMsg to the first changed chart
    finished: float | None = None  # seconds to script_finished
    unchanged: bool = False  # the run finished and every chart is as before
    errors: list[str] = field(default_factory=list)


class Student:
    """One browser session, without the browser: the websocket, the page, its sliders' values."""

    def __init__(self, base_url: str) -> None:
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.origin = base_url
        self.ws = None
        self.page_hash = ""  # the current page's script hash, from the navigation message
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.query = ""  # the URL's query string, as the server last set it
        self.sliders: dict[str, dict] = {}  # URL key -> {"id", "min", "max", "value", "disabled"}
        self.choices: dict[str, dict] = {}  # URL key -> {"id", "value"} of a select box
        self.charts: dict[tuple, int] = {}  # delta path -> hash of the chart's spec in the last run
        self.page = ""
        self.bytes = 0

    async def connect(self) -> None:
        self.ws = await ws_connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                                   ping_interval=None, open_timeout=RUN_TIMEOUT, close_timeout=5)

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await self.ws.close()
            except Exception:  # noqa: BLE001 - closing a socket the server dropped
                pass

    async def open_page(self, page: str) -> Run:
        """Open a page: by its URL path for a first visit, by its script hash when switching."""
        self.page = page
        self.sliders = {}
        self.choices = {}
        self.charts = {}
        message = BackMsg()
        state = message.rerun_script
        if self.pages:
            state.page_script_hash = self.pages[page]
        else:
            state.page_name = page
        state.query_string = QUERIES.get(page, "")
        run = await self._run(message, expect_chart=True)
        for key, option in CHOICES.get(page, {}).items():
            if not run.errors and key in self.choices and self.choices[key]["value"] != option:
                self.choices[key]["value"] = option
                run = await self._run(self._widgets(), expect_chart=True)
        return run

    def check_sliders(self, wanted: dict) -> list[str]:
        problems = []
        for key, (low, high) in wanted.items():
            slider = self.sliders.get(key)
            if slider is None:
                problems.append(f"{self.page}: no slider {key!r}")
            elif slider["disabled"] or low < slider["min"] or high > slider["max"]:
                problems.append(f"{self.page}: slider {key!r} is disabled or narrower than {low}..{high}")
        return problems

    async def change(self, key: str, value: float) -> Run:
        """Move one slider: a rerun carrying every slider's value."""
        self.sliders[key]["value"] = value
        return await self._run(self._widgets(), expect_chart=True)

    def _widgets(self) -> BackMsg:
        """A rerun carrying every slider's value and every select box's choice, as the browser sends them."""
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self.page_hash
        state.query_string = self.query
        for slider in self.sliders.values():
            if slider["value"] is not None and not slider["disabled"]:
                widget = WidgetState(id=slider["id"])
                widget.double_array_value.data.append(float(slider["value"]))
                state.widget_states.widgets.append(widget)
        for choice in self.choices.values():
            if choice["value"] is not None:
                state.widget_states.widgets.append(WidgetState(id=choice["id"], string_value=choice["value"]))
        return message

    async def _run(self, message: BackMsg, expect_chart: bool) -> Run:
        run = Run()
        start = time.perf_counter()
        charts: dict[tuple, int] = {}
        try:
            await self.ws.send(message.SerializeToString())
            deadline = start + RUN_TIMEOUT
            while True:
                data = await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, deadline - time.perf_counter()))
                now = time.perf_counter() - start
                self.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "navigation":
                    self.page_hash = msg.navigation.page_script_hash
                    self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                elif kind == "page_info_changed":
                    self.query = msg.page_info_changed.query_string
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    self._element(msg, now, run, charts)
                elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
                    run.errors.append(f"{self.page}: script compilation error")
                elif kind == "page_not_found":
                    run.errors.append(f"{self.page}: page not found")
                elif kind == "script_finished":
                    status = msg.script_finished
                    if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue  # the page asked for a rerun (st.rerun): the next run follows
                    if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        run.errors.append(f"{self.page}: finished with a compile error")
                    run.finished = now
                    break
        except asyncio.TimeoutError:
            run.errors.append(f"{self.page}: no script_finished within {RUN_TIMEOUT:.0f} s")
        except Exception as error:  # noqa: BLE001 - a closed socket, a refused connection: counted
            run.errors.append(f"{self.page}: {type(error).__name__}: {error}")
        self.charts = charts
        if expect_chart and run.chart is None and not run.errors:
            run.unchanged = True  # a change the charts do not show (stride on a one-position scan)
        return run

    def _element(self, msg: ForwardMsg, now: float, run: Run, charts: dict) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "slider":
            slider = element.slider
            key = slider.query_param_key or slider.id.rsplit("-", 1)[-1]  # the control's key
            if slider.options:  # a select slider: its values are options, not numbers; left alone
                return
            known = self.sliders.get(key)
            if slider.set_value and slider.value:
                value = slider.value[0]  # the server sets the value
            elif known is not None and known["id"] == slider.id:
                value = known["value"]
            else:
                value = slider.default[0] if slider.default else None
            self.sliders[key] = {"id": slider.id, "min": slider.min, "max": slider.max, "value": value,
                                 "disabled": slider.disabled}
        elif kind == "selectbox":
            box = element.selectbox
            key = box.query_param_key or box.id.rsplit("-", 1)[-1]
            known = self.choices.get(key)
            if box.set_value and box.HasField("raw_value"):
                value = box.raw_value
            elif known is not None and known["id"] == box.id:
                value = known["value"]
            else:
                value = box.options[box.default] if box.HasField("default") and box.options else None
            self.choices[key] = {"id": box.id, "value": value}
        elif kind == "plotly_chart":
            spec = element.plotly_chart.spec
            path = tuple(msg.metadata.delta_path)
            digest = hash(spec)
            charts[path] = digest
            if run.chart is None and self.charts.get(path) != digest:
                run.chart = now
            if self.page == "convolution":
                label = INPUT_LABEL.search(spec)
                expected = tuple(int(self.sliders[k]["value"]) for k in ("h", "w", "c") if k in self.sliders)
                if label and len(expected) == 3 and tuple(map(int, label.groups())) != expected:
                    run.errors.append(f"convolution: the chart shows input {'×'.join(label.groups())}, "
                                      f"the sliders say {'×'.join(map(str, expected))}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            run.errors.append(f"{self.page}: st.error: {element.alert.body[:120]}")
        elif kind == "exception":
            run.errors.append(f"{self.page}: exception: {element.exception.type}: {element.exception.message[:120]}")


def new_value(rng: random.Random, current: float | None, low: int, high: int) -> int:
    choices = [v for v in range(low, high + 1) if current is None or v != int(current)]
    return rng.choice(choices)


# ---------------------------------------------------------------- one step of the load

@dataclass
class Step:
    sessions: int
    duration: float
    chart: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    chart_by_page: dict[str, list[float]] = field(default_factory=dict)
    first_load: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0  # changes after which every chart was as before: no chart latency
    reruns: int = 0  # changes sent in the window
    end: float = 0.0  # perf_counter time the window ends
    arrival: float = 0.0  # seconds from the first connection to the last student's page
    server_cpu_seconds: float = 0.0
    late: int = 0  # changes sent later than planned because the previous one had not come back
    wall: float = 0.0
    server_cpu: float = 0.0  # % of one core
    client_cpu: float = 0.0  # % of one core, this script
    peak_rss: int = 0
    loop_lag: list[float] = field(default_factory=list)
    bytes: int = 0
    main: bool = False  # the main step (its duration, the Chromium tab)
    tab: bool = False  # a Chromium tab moved a slider beside the sessions
    tab_chart: list[float] = field(default_factory=list)
    tab_errors: list[str] = field(default_factory=list)
    measured: int = 0  # students opening the Measured time page beside the others
    measured_open: list[float] = field(default_factory=list)  # each opening: seconds to script_finished

    @property
    def p50(self):
        return percentile(self.chart, 50)

    @property
    def p95(self):
        return percentile(self.chart, 95)


async def student(index: int, base_url: str, arrive: float, seed: int, step: Step, arrived, go: asyncio.Event) -> None:
    """One student: arrives (connects, opens the page), waits for the class, then moves sliders
    until the step's window ends."""
    page = list(PAGES)[index % len(PAGES)]
    rng = random.Random(seed * 100_003 + index)
    await asyncio.sleep(max(0.0, arrive - time.perf_counter()))
    client = Student(base_url)
    try:
        ready = False
        try:
            await client.connect()
            run = await client.open_page(page)
            step.errors.extend(run.errors)
            if not run.errors:
                step.first_load.append(run.chart)
                problems = client.check_sliders(PAGES[page])
                step.errors.extend(problems)
                ready = not problems
        except Exception as error:  # noqa: BLE001
            step.errors.append(f"{page}: could not connect: {type(error).__name__}: {error}")
        finally:
            arrived()
        if not ready:
            return
        await go.wait()
        planned = time.perf_counter() + rng.uniform(1, 3)
        while planned < step.end:
            now = time.perf_counter()
            if now < planned:
                await asyncio.sleep(planned - now)
            elif now - planned > 0.05:
                step.late += 1
            key = rng.choice(list(PAGES[page]))
            low, high = PAGES[page][key]
            sent = time.perf_counter()
            run = await client.change(key, new_value(rng, client.sliders[key]["value"], low, high))
            step.reruns += 1
            step.errors.extend(run.errors)
            if run.errors and run.finished is None:
                return  # the session is broken (a timeout, a closed socket): counted, stopped
            step.unchanged += run.unchanged
            if run.chart is not None:
                step.chart.append(run.chart)
                step.chart_by_page.setdefault(page, []).append(run.chart)
            if run.finished is not None:
                step.finished.append(run.finished)
            planned = sent + rng.uniform(1, 3)
    finally:
        step.bytes += client.bytes
        await client.close()


class ChromiumTab:
    """One real browser tab on the Convolution page, moving the height slider with the keyboard."""

    PLOT = "[data-testid=stPlotlyChart] .js-plotly-plot"
    # true once the chart's "input H×..." label shows height h; returns the time since t0 (ms)
    UPDATED = """([h, t0]) => {
        const g = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const notes = (g && g._fullLayout && g._fullLayout.annotations) || [];
        const shown = notes.some(a => (a.text || '').replace(/<[^>]*>/g, ' ').replace(/\\s+/g, ' ').trim()
                                                     .startsWith('input ' + h + '×'));
        return shown ? performance.now() - t0 : false;
    }"""

    def __init__(self) -> None:
        self.playwright = self.browser = self.page = None
        self.errors: list[str] = []

    async def open(self, base_url: str) -> None:
        from playwright.async_api import async_playwright

        self.playwright = await async_playwright().start()
        self.browser = await self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.page = await self.browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("pageerror", self._page_error)
        await self.page.goto(base_url + "/convolution")
        await self.page.wait_for_selector(self.PLOT + " .heatmaplayer image", timeout=120_000)
        await self.page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                                          state="attached", timeout=120_000)

    def _page_error(self, error) -> None:
        # plotly.js rejects an interrupted animation with no reason ("undefined"): harmless
        if error.message.strip() != "undefined":
            self.errors.append(f"browser: {error.message}")

    async def move_sliders(self, end: float, seed: int, step: Step) -> None:
        rng = random.Random(seed)
        slider = self.page.locator("[data-testid=stSlider]", has_text="Input height").locator("input[type=range]")
        planned = time.perf_counter() + rng.uniform(1, 3)
        while planned < end:
            await asyncio.sleep(max(0.0, planned - time.perf_counter()))
            sent = time.perf_counter()
            try:
                height = int(await slider.input_value())
                key, wanted = ("ArrowRight", height + 1) if height < 16 else ("ArrowLeft", height - 1)
                await slider.focus()
                t0 = await self.page.evaluate("() => performance.now()")
                await slider.press(key)
                handle = await self.page.wait_for_function(self.UPDATED, arg=[wanted, t0], polling="raf",
                                                           timeout=RUN_TIMEOUT * 1000)
                step.tab_chart.append(await handle.json_value() / 1000)
            except Exception as error:  # noqa: BLE001 - a timeout: counted
                self.errors.append(f"browser: {type(error).__name__}: {str(error).splitlines()[0][:120]}")
                return
            planned = sent + rng.uniform(1, 3)
        if await self.page.locator("[data-testid=stException]").count():
            self.errors.append("browser: an exception is shown on the page")

    async def close(self) -> None:
        if self.browser:
            await self.browser.close()
        if self.playwright:
            await self.playwright.stop()


MEASURED = "measured_time"


async def measured_student(index: int, base_url: str, seed: int, step: Step, go: asyncio.Event) -> None:
    """A student on the Measured time page: opens it within the first 5 s of the window, all of them at once on
    a server that has not measured yet, and once more 20 to 50 s in. Each opening is timed to script_finished."""
    rng = random.Random(seed * 7_919 + index)
    await go.wait()
    client = Student(base_url)
    try:
        await client.connect()
        for planned in sorted((time.perf_counter() + rng.uniform(0, 5), time.perf_counter() + rng.uniform(20, 50))):
            if planned >= step.end:
                return
            await asyncio.sleep(max(0.0, planned - time.perf_counter()))
            run = await client.open_page(MEASURED)
            step.errors.extend(run.errors)
            if run.finished is None:
                return
            step.measured_open.append(run.finished)
    except Exception as error:  # noqa: BLE001
        step.errors.append(f"{MEASURED}: {type(error).__name__}: {error}")
    finally:
        step.bytes += client.bytes
        await client.close()


async def watch(server: Server, step: Step, stop: asyncio.Event) -> None:
    """Sample the server's RSS and this event loop's lag (a client too slow to read its sockets
    would add its own delay to the latencies)."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.1)
        step.loop_lag.append(time.perf_counter() - before - 0.1)
        step.peak_rss = max(step.peak_rss, server.rss())


async def load_step(server: Server, sessions: int, duration: float, seed: int, tab: ChromiumTab | None,
                    measured: int = 0) -> Step:
    """The class arrives (within a few seconds, each opening its page), then moves sliders for
    `duration` seconds: the window the latencies, CPU and rates are measured over. `measured` more
    students open the Measured time page in it (all within its first 5 s, and once more 20-50 s in)."""
    step = Step(sessions, duration, measured=measured)
    stagger = min(5.0, duration / 6) / sessions
    stop, go, everyone = asyncio.Event(), asyncio.Event(), asyncio.Event()
    count = 0

    def arrived() -> None:
        nonlocal count
        count += 1
        if count == sessions:
            everyone.set()

    watcher = asyncio.create_task(watch(server, step, stop))
    start = time.perf_counter()
    tasks = [asyncio.create_task(student(i, server.url, start + i * stagger, seed, step, arrived, go))
             for i in range(sessions)]
    tasks += [asyncio.create_task(measured_student(i, server.url, seed, step, go)) for i in range(measured)]
    try:
        await asyncio.wait_for(everyone.wait(), timeout=RUN_TIMEOUT + sessions * stagger + 30)
    except asyncio.TimeoutError:
        step.errors.append(f"the class had not arrived {RUN_TIMEOUT + sessions * stagger + 30:.0f} s after the start")
    step.arrival = time.perf_counter() - start
    cpu0, client0, wall0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    step.end = wall0 + duration
    go.set()
    if tab is not None:
        tasks.append(asyncio.create_task(tab.move_sliders(step.end, seed, step)))
    await asyncio.gather(*tasks)
    step.wall = time.perf_counter() - wall0
    step.server_cpu_seconds = server.cpu_seconds() - cpu0
    step.server_cpu = 100 * step.server_cpu_seconds / step.wall
    step.client_cpu = 100 * (time.process_time() - client0) / step.wall
    stop.set()
    await watcher
    if tab is not None:
        step.tab_errors = list(tab.errors)
    return step


def cpu_per_rerun(step: Step) -> str:
    return f"{1000 * step.server_cpu_seconds / step.reruns:.0f} ms" if step.reruns else "n/a"


def print_step(step: Step) -> None:
    lag = percentile(step.loop_lag, 95)
    print(f"  {step.sessions:3d} sessions, {step.duration:.0f} s: {len(step.chart)} changes "
          f"({len(step.chart) / step.duration:.1f}/s, {step.late} sent late, {step.unchanged} more left the charts "
          f"as they were), errors {len(step.errors)}; class arrived in {step.arrival:.0f} s; "
          f"to chart p50 {ms(step.p50)} p95 {ms(step.p95)}; to script_finished p50 "
          f"{ms(percentile(step.finished, 50))} p95 {ms(percentile(step.finished, 95))}; "
          f"server CPU {step.server_cpu:.0f}% of a core ({cpu_per_rerun(step)} per rerun), peak RSS {step.peak_rss / 2**20:.0f} MiB, sent "
          f"{step.bytes / 2**20 / step.wall:.1f} MiB/s; "
          f"client CPU {step.client_cpu:.0f}%, loop lag p95 {ms(lag)}", flush=True)
    for error in list(dict.fromkeys(step.errors + step.tab_errors))[:5]:
        print(f"      error: {error}")


async def warm_up(server: Server) -> None:
    """Each page once, so the first visits' imports and compilation are not counted."""
    client = Student(server.url)
    await client.connect()
    try:
        for page in MEMORY_PAGES:
            await client.open_page(page)
    finally:
        await client.close()


async def bench_load(server: Server, args) -> list[Step]:
    print(f"Load: one server ({server.url}), clients speaking Streamlit's websocket protocol "
          f"(each change: one slider, every 1-3 s):")
    await warm_up(server)
    main_n = args.sessions
    ramp = [n for n in range(10, main_n, 10)] + [main_n]
    steps: list[Step] = []
    seed = args.seed
    for n in ramp:
        main = n == main_n
        tab = None
        if main and not args.no_browser:
            tab = await open_tab(server.url)
        try:
            step = await load_step(server, n, args.duration if main else args.step_duration, seed + n, tab,
                                   args.measured if main else 0)
        finally:
            if tab is not None:
                await tab.close()
        step.main, step.tab = main, tab is not None
        steps.append(step)
        print_step(step)
        if step.measured:
            print(f"      {step.measured} students on Measured time beside them: {len(step.measured_open)} openings, "
                  f"to script_finished p50 {ms(percentile(step.measured_open, 50))} "
                  f"p95 {ms(percentile(step.measured_open, 95))}, slowest {ms(max(step.measured_open, default=None))}")
        if step.tab:
            print(f"      Chromium tab beside them: {len(step.tab_chart)} changes, slider to redrawn chart p50 "
                  f"{ms(percentile(step.tab_chart, 50))} p95 {ms(percentile(step.tab_chart, 95))}")
    n = main_n
    while steps[-1].p95 is not None and steps[-1].p95 <= BUDGET_P95 and n + 10 <= args.max_sessions:
        n += 10
        step = await load_step(server, n, args.step_duration, seed + n, None)
        steps.append(step)
        print_step(step)
    return steps


async def open_tab(base_url: str) -> ChromiumTab | None:
    if not Path(CHROMIUM).exists():
        print(f"  (no Chromium tab: {CHROMIUM} is missing)")
        return None
    if importlib.util.find_spec("playwright") is None:
        print("  (no Chromium tab: the playwright package is missing)")
        return None
    tab = ChromiumTab()
    await tab.open(base_url)
    return tab


def report_load(steps: list[Step], server: Server, args) -> None:
    main = next(s for s in steps if s.main)
    n = main.sessions
    errors = sum(len(s.errors) + len(s.tab_errors) for s in steps)
    log_errors = server.log_errors()
    record(f"errors, every step ({sum(len(s.chart) for s in steps)} changes)", str(errors), "0", errors == 0)
    record("server log: tracebacks and ERROR lines", str(len(log_errors)), "0", not log_errors)
    for line in list(dict.fromkeys(log_errors))[:5]:
        print(f"      {line[:200]}")
    record(f"slider change to updated chart, {n} sessions, {main.duration:.0f} s, p50",
           f"{ms(main.p50)} ({len(main.chart)} changes)", "information", True)
    beside = f" (+ {main.measured} opening Measured time)" if main.measured else ""
    record(f"slider change to updated chart, {n} sessions{beside}, p95", ms(main.p95), f"≤ {BUDGET_P95 * 1000:.0f} ms",
           main.p95 is not None and main.p95 <= BUDGET_P95)
    if main.measured:
        record(f"Measured time, {main.measured} students opening it, to script_finished p50 / p95 / slowest",
               f"{ms(percentile(main.measured_open, 50))} / {ms(percentile(main.measured_open, 95))} / "
               f"{ms(max(main.measured_open, default=None))} ({len(main.measured_open)} openings)", "information", True)
    record(f"slider change to script_finished, {n} sessions, p50 / p95",
           f"{ms(percentile(main.finished, 50))} / {ms(percentile(main.finished, 95))}", "information", True)
    for page, values in sorted(main.chart_by_page.items()):
        record(f"  {page}, {n} sessions, p50 / p95", f"{ms(percentile(values, 50))} / {ms(percentile(values, 95))}",
               "information", True)
    if main.tab:
        record(f"Chromium tab beside the {n} sessions, slider to redrawn chart, p50 / p95",
               f"{ms(percentile(main.tab_chart, 50))} / {ms(percentile(main.tab_chart, 95))} "
               f"({len(main.tab_chart)} changes)", "information (protocol clients: convolution row)", True)
    record(f"first page run, {n} sessions arriving within {min(5.0, main.duration / 6):.0f} s, p50 / p95",
           f"{ms(percentile(main.first_load, 50))} / {ms(percentile(main.first_load, 95))}", "information", True)
    for step in steps:
        record(f"ramp: {step.sessions} sessions, {step.duration:.0f} s, p50 / p95",
               f"{ms(step.p50)} / {ms(step.p95)}, {len(step.chart) / step.duration:.1f} changes/s, "
               f"server CPU {step.server_cpu:.0f}% ({cpu_per_rerun(step)} per rerun), errors {len(step.errors) + len(step.tab_errors)}",
               "information", True)
    crossed = [s.sessions for s in steps if s.p95 is None or s.p95 > BUDGET_P95]
    tested = max(s.sessions for s in steps)
    record("sessions at which p95 crosses 1.5 s", str(min(crossed)) if crossed else f"not within {tested}",
           "information", True)
    record(f"server CPU, {n} sessions (average over the run)",
           f"{main.server_cpu:.0f}% of one core, {cpu_per_rerun(main)} per rerun", "information", True)
    peak = server.peak_rss() or max(s.peak_rss for s in steps)
    record("server peak RSS (load server, whole run)", f"{peak / 2**20:.0f} MiB", "information", True)
    record(f"load client, {n} sessions: own CPU / event loop lag p95",
           f"{main.client_cpu:.0f}% of one core / {ms(percentile(main.loop_lag, 95))}", "information", True)


# ---------------------------------------------------------------- caches

def cache_decorators() -> tuple[list[str], list[str]]:
    """Every st.cache_data / st.cache_resource in pages/ (and, for information, elsewhere in the app's
    own modules), split into those with max_entries and those without."""
    bounded, unbounded = [], []
    files = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), *(ROOT / "lessons").glob("*.py")]) + [ROOT / name for name in ("app.py", "uploads.py")]
    for path in files:
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            target = node.func if isinstance(node, ast.Call) else node
            if not (isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource")):
                continue
            if isinstance(node, ast.Attribute) and isinstance(parents.get(node), ast.Call) \
                    and parents[node].func is node:
                continue  # seen as its Call
            owner = parents.get(node)
            name = owner.name if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else "?"
            where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {name}"
            keywords = {k.arg: k.value for k in node.keywords} if isinstance(node, ast.Call) else {}
            limit = keywords.get("max_entries")
            if limit is not None and not (isinstance(limit, ast.Constant) and limit.value is None):
                bounded.append(where)
            else:
                unbounded.append(where)
    return bounded, unbounded


def report_caches() -> None:
    print("Caches:")
    bounded, unbounded = cache_decorators()
    in_pages = [w for w in unbounded if w.startswith("pages/")]
    record("st.cache_data / st.cache_resource in pages/ with max_entries",
           f"{len([w for w in bounded if w.startswith('pages/')])} of "
           f"{len([w for w in bounded + unbounded if w.startswith('pages/')])}"
           + (f"; without: {', '.join(in_pages)}" if in_pages else ""), "all", not in_pages)
    others = [w for w in unbounded if not w.startswith("pages/")]
    if others:
        record("caches outside pages/ without max_entries", ", ".join(others), "information", True)


# ---------------------------------------------------------------- memory

async def settle_rss(server: Server) -> int:
    """The server's RSS after a short idle: the lowest of a few samples."""
    await asyncio.sleep(2.0)
    samples = []
    for _ in range(6):
        samples.append(server.rss())
        await asyncio.sleep(0.25)
    return min(samples)


async def bench_memory(args) -> None:
    total, baseline = args.reruns, args.reruns // 10
    print(f"Memory: a fresh server, one session, {total:,} reruns with new values, cycling through "
          f"{', '.join(MEMORY_PAGES)}:", flush=True)
    server = Server()
    rng = random.Random(args.seed)
    client = Student(server.url)
    errors: list[str] = []
    trend: list[tuple[int, int]] = []
    marks: dict[int, tuple[int, int]] = {}  # wanted count -> (reruns done, settled RSS)
    started = time.perf_counter()
    count = 0

    async def rerun(coroutine) -> Run:
        nonlocal count
        run = await coroutine
        count += 1
        errors.extend(run.errors)
        if count % max(1, total // 10) == 0:
            trend.append((count, server.rss()))
        return run

    try:
        await client.connect()
        pages = list(MEMORY_PAGES)
        visit = 0
        while count < total:
            page = pages[visit % len(pages)]
            visit += 1
            run = await rerun(client.open_page(page))
            if run.finished is None:
                break  # the session is broken (a timeout, a closed socket): counted
            problems = client.check_sliders(MEMORY_PAGES[page])
            errors.extend(problems)
            if not run.errors and not problems:
                for _ in range(8):
                    if any(count >= wanted and wanted not in marks for wanted in (baseline, total)):
                        break
                    key = rng.choice(list(MEMORY_PAGES[page]))
                    low, high = MEMORY_PAGES[page][key]
                    await rerun(client.change(key, new_value(rng, client.sliders[key]["value"], low, high)))
                # before leaving, bring the controls the pages share within every page's range (a
                # value out of the next page's range fails there: see the page-switch check)
                for key, (low, high) in CARRY.items():
                    value = client.sliders.get(key, {}).get("value")
                    if value is not None and not client.sliders[key]["disabled"] and not low <= value <= high:
                        await rerun(client.change(key, min(max(int(value), low), high)))
            for wanted in (baseline, total):
                if count >= wanted and wanted not in marks:
                    marks[wanted] = (count, await settle_rss(server))
                    print(f"  after {count:,} reruns: RSS {marks[wanted][1] / 2**20:.1f} MiB "
                          f"({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        await client.close()
        log_errors = server.log_errors()
        server.stop()
        server.remove_log()
    for error in list(dict.fromkeys(errors + log_errors))[:5]:
        print(f"      error: {error[:200]}")
    record(f"errors, memory check ({count:,} reruns)", str(len(errors) + len(log_errors)), "0",
           not errors and not log_errors)
    measure = f"server RSS after {total:,} reruns against after {baseline:,}"
    if baseline in marks and total in marks:
        (_, before), (_, after) = marks[baseline], marks[total]
        growth = (after - before) / before
        record(measure, f"{after / 2**20:.1f} MiB against {before / 2**20:.1f} MiB ({growth:+.1%})",
               f"within {LEAK_TOLERANCE:.0%}", abs(growth) <= LEAK_TOLERANCE)
    else:
        record(measure, "not reached", f"within {LEAK_TOLERANCE:.0%}", False)
    if len(trend) >= 2:
        print("  RSS every {:,} reruns (MiB): {}".format(
            trend[0][0], ", ".join(f"{rss / 2**20:.0f}" for _, rss in trend)))


async def page_switch_check(server: Server) -> None:
    """A student sets a control that other pages share (same key) to a value one of them cannot
    take, then opens that page: it must not fail."""
    print("Page switch with a shared control's value out of the next page's range:")
    errors = []
    for source, key, value, target in SWITCHES:
        client = Student(server.url)
        try:
            await client.connect()
            for run in (await client.open_page(source), await client.change(key, value),
                        await client.open_page(target)):
                errors.extend(run.errors)
        except Exception as error:  # noqa: BLE001
            errors.append(f"{source} -> {target}: {type(error).__name__}: {error}")
        finally:
            await client.close()
    for error in errors:
        print(f"      error: {error[:200]}")
    record("page switch after " + ", ".join(f"{s} {k}={v} -> {t}" for s, k, v, t in SWITCHES),
           f"{len(errors)} errors", "0", not errors)


# ---------------------------------------------------------------- main

async def main_async(args) -> None:
    if not args.no_load:
        server = Server()
        try:
            steps = await bench_load(server, args)
            report_load(steps, server, args)
            await page_switch_check(server)
        finally:
            server.stop()
            server.remove_log()
    report_caches()
    if not args.no_memory:
        await bench_memory(args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: short steps, fewer reruns")
    parser.add_argument("--sessions", type=int, default=40, help="sessions in the main step (default 40)")
    parser.add_argument("--duration", type=float, help="seconds of the main step (default 60, --quick 20)")
    parser.add_argument("--step-duration", type=float, help="seconds of each other ramp step (default 20, --quick 8)")
    parser.add_argument("--max-sessions", type=int, default=120, help="where the ramp stops if p95 stays within budget")
    parser.add_argument("--reruns", type=int, help="reruns of the memory check (default 2000, --quick 500)")
    parser.add_argument("--measured", type=int, default=40,
                        help="students opening the Measured time page beside the main step's (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true", help="no Chromium tab beside the main step")
    parser.add_argument("--no-load", action="store_true", help="skip the load steps")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory check")
    args = parser.parse_args()
    args.duration = args.duration or (20.0 if args.quick else 60.0)
    args.step_duration = args.step_duration or (8.0 if args.quick else 20.0)
    args.reruns = args.reruns or (500 if args.quick else 2000)
    if args.sessions < 1 or args.reruns < 10:
        parser.error("--sessions must be at least 1 and --reruns at least 10")
    os.chdir(ROOT)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores"
          + (" (busy: timings will be slow and noisy)" if load > (os.cpu_count() or 1) / 2 else ""))
    asyncio.run(main_async(args))
    return print_table("python benchmarks/load_test.py")


if __name__ == "__main__":
    sys.exit(main())
