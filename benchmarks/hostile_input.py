"""Hostile input against one real server: small files and links that once took gigabytes or minutes.

    python benchmarks/hostile_input.py           # about 3 minutes on 2 cores
    python benchmarks/hostile_input.py --quick   # without the five-at-once and the heaviest accepted files

One `streamlit run app.py` on a free port and Debian's Chromium (/usr/bin/chromium, through
Playwright). Each case runs in its own tab, on Spatially separable:

- uploads (choose "upload your own" in the "Image" radio, then the file in the uploader): the
  issue's hostile files, made here (tests/test_uploads_safety.py): a 1×40,000,000 16-bit RGBA PNG
  (350 kB), 40,000,000×1 8-bit RGBA and 16-bit grey PNGs (156 and 78 kB), a progressive
  6000×6000 JPEG whose last scan repeats 1,000 times (200 kB); then the heaviest files the
  header check lets through (an 8000×5000 RGBA PNG of 150 kB: 160 MB decoded; a 6000×6000 JPEG
  of 35 scans, as many as it allows), a file of exactly the upload limit, and five uploads from
  five tabs at once;
- links: a custom kernel of 1e-10000000, of 1e-99999999, of 2,000 characters of such numbers,
  of 1e-30, and "0 0; 0 1e-30".

While a case runs, one thread asks /_stcore/health every 50 ms (the slowest answer is the
server's longest stall), another samples every 25 ms the server's resident memory plus its
children's (the decoding processes, each by its own peak so far, VmHWM, so that none is missed
between samples); the case's peak is the largest sample, or the server's own peak (its VmHWM) if
that rose higher. Server CPU is the utime + stime of the server, of its children while they run
and, once waited for, in its cutime + cstime (/proc/<pid>/stat). Per case: peak memory above the
idle server, CPU seconds, the slowest health answer, memory after the tab is closed against
before, and what the page showed.

Budgets: peak ≤ 300 MiB above idle, ≤ 3 s of CPU per upload or link, every health answer within
250 ms, memory back within 50 MiB; the five at once under 1 GiB in all (server and children); no
traceback in the page or the server's log. The upload limit: Chromium must refuse 10,000,001 bytes
(no upload request) and send 10,000,000, which the app decodes. Prints the table (measure | value
| budget | verdict) and exits non-zero on a FAIL. The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from load_test import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402  (one server, as the load test starts it)
from report import print_table, record  # noqa: E402  (the table every benchmark prints)
from test_uploads import chunk, encode, gradient  # noqa: E402
from test_uploads_safety import SCANS_JPEG, THIN_PNGS, flat_png, hostile_uploads, repeated_scans  # noqa: E402

import uploads  # noqa: E402

MIB = 1024 * 1024
PEAK_BUDGET = 300 * MIB  # above the idle server, one upload or link
CPU_BUDGET = 3.0  # seconds of server CPU (server and children), one upload or link
HEALTH_BUDGET = 0.25  # seconds: the slowest /_stcore/health answer while a case runs
AFTER_BUDGET = 50 * MIB  # memory after the case's tab is closed, against before
TOTAL_BUDGET = 1024 * MIB  # server and children together, five uploads at once
CASE_TIMEOUT = 120.0  # seconds a case may take before it counts as failed
PAGE = "spatially_separable"
HUGE = "1e-99999999"
LINKS = {
    "link: custom=1 2 3; 4 5 6; 7 8 10 (an ordinary kernel, for comparison)": "1 2 3; 4 5 6; 7 8 10",
    "link: custom=1e-10000000": "1e-10000000",
    f"link: custom={HUGE}": HUGE,
    "link: custom= 2,000 characters of 1e-99999999": ";".join(" ".join([HUGE] * 24) for _ in range(7)),
    "link: custom=1e-30": "1e-30",
    "link: custom=0 0; 0 1e-30": "0 0; 0 1e-30",
}
# The page's state once a run has finished: what it shows for the upload or the link
OUTCOME = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
    const main = document.querySelector('[data-testid=stMain]');
    const failed = main && main.querySelector('[data-testid=stException]');
    if (failed) return 'EXCEPTION: ' + failed.innerText.slice(0, 300);
    const alerts = [...document.querySelectorAll('[data-testid^=stAlertContent]')].map(alert =>
        (alert.querySelector('[data-testid=stMarkdownContainer]') || alert).innerText.replace(/\s+/g, ' ').trim());
    const refused = alerts.find(text => text.includes('cannot be used'));
    if (refused) return refused;
    if (window.__upload) {  // an upload's run: its message, or the image and its three filtered versions
        return document.querySelectorAll('[data-testid=stImage]').length >= 4 ? 'decoded and filtered' : null;
    }
    if (!(main && main.querySelector('[data-testid=stHeading]'))) return null;
    return alerts.length ? alerts.join(' | ') : 'shown, no notice';
}"""


# ---------------------------------------------------------------- the server's processes, from /proc

def stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: fields 3 onwards (state, ppid, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def status_bytes(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Watch:
    """The server's memory (its own and its children's) every 25 ms, its health every 50 ms."""

    def __init__(self, server: Server) -> None:
        self.pid, self.health_url = server.pid, f"{server.url}/_stcore/health"
        self.tick = os.sysconf("SC_CLK_TCK")
        self.strangers: set[int] = set()  # processes seen not to be the server's children
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.begin()
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in (self._sample, self._ask)]
        for thread in self.threads:
            thread.start()

    def children(self) -> list[int]:
        """The server's child processes (started after it, so with larger ids until ids wrap)."""
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) <= self.pid or int(name) in self.strangers:
                continue
            try:
                parent = int(stat_fields(int(name))[1])
            except (OSError, IndexError, ValueError):
                continue
            (found.append if parent == self.pid else self.strangers.add)(int(name))
        return found

    def memory(self) -> tuple[int, int]:
        """The server's resident memory now, and the sum of its children's peaks."""
        children = 0
        for pid in self.children():
            try:
                children += status_bytes(pid, "VmHWM")
            except OSError:
                pass  # it has just ended
        return status_bytes(self.pid, "VmRSS"), children

    def total(self) -> int:
        return sum(self.memory())

    def cpu(self) -> float:
        """CPU seconds of the server, of its children it waited for, and of those still running."""
        fields = stat_fields(self.pid)
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
        for pid in self.children():
            try:
                ticks += sum(int(stat_fields(pid)[i]) for i in (11, 12))
            except (OSError, IndexError):
                pass
        return ticks / self.tick

    def begin(self) -> None:
        with self.lock:
            self.peak = 0
            self.slowest = 0.0
            self.unanswered = 0
        self.server_hwm = status_bytes(self.pid, "VmHWM") if Path(f"/proc/{self.pid}").exists() else 0

    def end(self) -> tuple[int, float, int]:
        """(peak memory of the server and its children, slowest health answer, unanswered) since begin()."""
        hwm = status_bytes(self.pid, "VmHWM")
        with self.lock:
            return max(self.peak, hwm if hwm > self.server_hwm else 0), self.slowest, self.unanswered

    def _sample(self) -> None:
        while not self.stopping.wait(0.025):
            try:
                total = sum(self.memory())
            except OSError:
                return
            with self.lock:
                self.peak = max(self.peak, total)

    def _ask(self) -> None:
        while not self.stopping.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.health_url, timeout=10) as answer:
                    answer.read()
            except OSError:
                with self.lock:
                    self.unanswered += 1
            took = time.perf_counter() - start
            with self.lock:
                self.slowest = max(self.slowest, took)
            self.stopping.wait(max(0.0, 0.05 - took))

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=15)


# ---------------------------------------------------------------- the browser's side

def upload_tab(browser, url: str):
    """A tab on the page with "upload your own" chosen, its uploader ready."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/{PAGE}")
    page.wait_for_selector("[data-testid=stRadio]", timeout=90_000)
    page.locator("[data-testid=stRadio] label").filter(has_text="upload your own").click()
    page.wait_for_selector("[data-testid=stFileUploaderDropzoneInput]", state="attached", timeout=60_000)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    return page


def choose(page, data: bytes) -> None:
    """Give the uploader a file, as a student choosing it would."""
    page.evaluate("() => { window.__upload = true; }")
    jpeg = data.startswith(b"\xff\xd8")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(files=[{
        "name": "upload.jpg" if jpeg else "upload.png", "mimeType": "image/jpeg" if jpeg else "image/png", "buffer": data}])


def outcome(page, timeout: float = CASE_TIMEOUT) -> str:
    try:
        return page.wait_for_function(OUTCOME, timeout=timeout * 1000, polling=100).json_value()
    except Exception as error:  # noqa: BLE001 - a page that never settles is this case's failure
        return f"NO OUTCOME within {timeout:.0f} s ({type(error).__name__})"


def settle(watch: Watch, seconds: float = 2.0) -> int:
    """The server's memory once it has been idle for a moment."""
    time.sleep(seconds)
    return watch.total()


def measured(watch: Watch, name: str, act, uploads_in_case: int = 1, total_budget: int | None = None) -> None:
    """Run act() (which opens tabs, acts and returns (outcomes, tabs)) between begin and end, then
    close its tabs and record the case's row."""
    before = settle(watch)
    watch.begin()
    cpu = watch.cpu()
    outcomes, tabs = act()
    time.sleep(0.5)  # the decoding processes have ended and been waited for
    cpu = watch.cpu() - cpu
    peak, slowest, unanswered = watch.end()
    for tab in tabs:
        tab.close()
    after = settle(watch, 3.0)
    broken = [text for text in outcomes if text.startswith(("EXCEPTION", "NO OUTCOME"))]
    ok_memory = peak <= total_budget if total_budget else peak - before <= PEAK_BUDGET
    ok = (ok_memory and cpu <= CPU_BUDGET * uploads_in_case and slowest <= HEALTH_BUDGET and not unanswered
          and after - before <= AFTER_BUDGET and not broken)
    memory = f"peak {peak / MIB:.0f} MiB in all" if total_budget else f"peak +{(peak - before) / MIB:.0f} MiB"
    record(name, f"{memory}, CPU {cpu:.2f} s, health ≤ {slowest * 1000:.0f} ms"
                 f"{f' ({unanswered} unanswered)' if unanswered else ''}, after {(after - before) / MIB:+.0f} MiB",
           f"{f'≤ {total_budget // MIB} MiB in all' if total_budget else f'≤ +{PEAK_BUDGET // MIB} MiB'}, "
           f"≤ {CPU_BUDGET * uploads_in_case:g} s, ≤ {HEALTH_BUDGET * 1000:.0f} ms, ≤ +{AFTER_BUDGET // MIB} MiB, "
           "no traceback", ok)
    for text in dict.fromkeys(outcomes):
        print(f"    page: {text[:240]}", flush=True)


def upload_case(browser, url: str, watch: Watch, name: str, data: bytes) -> None:
    tab = upload_tab(browser, url)

    def act():
        choose(tab, data)
        return [outcome(tab)], [tab]

    measured(watch, f"upload: {name} ({len(data) / 1000:,.0f} kB)", act)


def together_case(browser, url: str, watch: Watch, name: str, files: list[bytes]) -> None:
    tabs = [upload_tab(browser, url) for _ in files]

    def act():
        for tab, data in zip(tabs, files):
            choose(tab, data)
        return [outcome(tab) for tab in tabs], tabs

    measured(watch, name, act, uploads_in_case=len(files), total_budget=TOTAL_BUDGET)


def link_case(browser, url: str, watch: Watch, name: str, kernel: str) -> None:
    def act():
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{url}/{PAGE}?kernel=custom&custom={urllib.parse.quote(kernel)}")
        return [outcome(tab)], [tab]

    measured(watch, name, act)


def limit_case(browser, url: str) -> None:
    """Chromium refuses one byte over the limit before sending it (no upload request at all) and
    sends a file of exactly the limit, which the app then decodes."""
    small = encode(Image.fromarray(gradient()), "PNG")
    results = {}
    for size in (uploads.MAX_FILE_BYTES + 1, uploads.MAX_FILE_BYTES):
        tab = upload_tab(browser, url)
        sent = []
        tab.on("request", lambda request: sent.append(request) if request.method == "PUT" else None)
        choose(tab, small + bytes(size - len(small)))
        results[size] = (outcome(tab, timeout=8 if size > uploads.MAX_FILE_BYTES else CASE_TIMEOUT), len(sent))
        tab.close()
    over, at = results[uploads.MAX_FILE_BYTES + 1], results[uploads.MAX_FILE_BYTES]
    ok = over[1] == 0 and at[1] >= 1 and at[0] == "decoded and filtered"
    record(f"upload limit: {uploads.MAX_FILE_BYTES + 1:,} bytes refused by Chromium, {uploads.MAX_FILE_BYTES:,} "
           "decoded", f"{over[1]} and {at[1]} upload requests; then: {at[0][:60]}",
           "0 and 1; decoded", ok)


def distinct(data: bytes, number: int) -> bytes:
    """The same image in different bytes (a PNG text chunk or a JPEG comment holding the number), so
    that the page's cache, keyed on the bytes, decodes each one again."""
    text = f"copy {number}".encode()
    if data.startswith(b"\xff\xd8"):
        return data[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[2:]
    return data[:33] + chunk(b"tEXt", b"Comment\x00" + text) + data[33:]  # after the signature and IHDR


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the five-at-once and the heaviest accepted files")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print("Making the files...", flush=True)
    hostile = hostile_uploads()
    heaviest_png = flat_png(8000, 5000, 8, 6)  # 40 million RGBA pixels: 160 MB decoded
    most_scans = repeated_scans(6000, 29)  # 35 scans of 562,500 blocks: just within the scan limit
    server = Server()
    print(f"Server on {server.url} (pid {server.pid})", flush=True)
    watch = None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm = upload_tab(browser, server.url)  # the page's first run and its caches, before measuring
            choose(warm, encode(Image.fromarray(gradient()), "PNG"))
            print(f"  warm-up: {outcome(warm)}", flush=True)
            warm.close()
            watch = Watch(server)
            print(f"Idle: {settle(watch, 3.0) / MIB:.0f} MiB (server and children)", flush=True)
            # Each upload below is a different file: the page caches what it made of one by its bytes
            for name in [*THIN_PNGS, SCANS_JPEG]:
                upload_case(browser, server.url, watch, name, hostile[name])
            if not args.quick:
                upload_case(browser, server.url, watch, "8000×5000 RGBA PNG, flat (the most a PNG may decode)",
                            distinct(heaviest_png, 0))
                upload_case(browser, server.url, watch, "6000×6000 JPEG of 35 scans (the most scan work allowed)",
                            distinct(most_scans, 0))
                together_case(browser, server.url, watch, "five 8000×5000 RGBA PNGs from five tabs at once",
                              [distinct(heaviest_png, i) for i in range(1, 6)])
                together_case(browser, server.url, watch, "the four hostile files and an 8000×5000 PNG at once",
                              [*hostile.values(), distinct(heaviest_png, 6)])
                limit_case(browser, server.url)
            for name, kernel in LINKS.items():
                link_case(browser, server.url, watch, name, kernel)
            browser.close()
        problems = server.log_errors()
    finally:
        if watch is not None:
            watch.stop()
        server.stop()
    record("server log: errors and tracebacks", f"{len(problems)}" + (f" ({problems[0][:80]})" if problems else ""),
           "0", not problems)
    if not problems:
        server.remove_log()
    return print_table("python benchmarks/hostile_input.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    sys.exit(main())
