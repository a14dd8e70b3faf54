"""One process's measurements, shared by every session: a class opening the Measured time page together
measures once, one measurement at a time, each request for at most a bounded time. No Streamlit.

A job is (key, measure), measure(clock, deadline) -> a value (an engine.timing.Timing, or a rate and its
Timing). `Bench.measure` runs the jobs whose key it has no current value for, in order, until its budget
is spent; the rest wait for the next request. "Measure again" starts a new round, at most once every
`again_every` seconds per process: until a job is measured anew its last value is still shown.
Clocks are injected (`clock` times the budget, `wall` dates the results and paces "measure again"), so
the tests need no real time.

A server measures in a `Worker` (measure_worker.py): a process of its own, at a lower priority and on one
BLAS thread, so that measuring holds neither the server's interpreter lock nor a core the class's pages
need. A measurement the worker has not finished when a request's time is up is stored when it finishes.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

BUDGET_SECONDS = 1.5  # of measuring per request; a job's last repeat may run on a little past it (< 2 s)
WAIT_SECONDS = 0.0  # a request that finds another measuring returns at once (its page looks again later)
AGAIN_EVERY_SECONDS = 60  # "measure again", per process
CAPACITY = 400  # values kept; the least recently used go first


@dataclass(frozen=True)
class Measured:
    value: object
    at: float  # wall-clock time (seconds since the epoch) when it was measured
    round: int  # the "measure again" round it belongs to


@dataclass(frozen=True)
class Progress:
    """What one request did: jobs measured now, jobs still to measure, whether another session was
    measuring (this request then measured nothing), the seconds it spent measuring, and whether a worker
    is still measuring one of them (stored when it finishes)."""

    measured: int
    pending: int
    busy: bool
    seconds: float
    running: bool = False
    late: bool = False  # this request handed the worker a measurement it is still making


class Late(Exception):
    """A measurement still running when the request's time is up: `future` brings its value later."""

    def __init__(self, future):
        super().__init__("still measuring")
        self.future = future


class Bench:
    def __init__(self, clock=time.perf_counter, wall=time.time, budget: float = BUDGET_SECONDS,
                 wait: float = WAIT_SECONDS, again_every: float = AGAIN_EVERY_SECONDS, capacity: int = CAPACITY):
        self.clock, self.wall = clock, wall
        self.budget, self.wait, self.again_every, self.capacity = budget, wait, again_every, capacity
        self._lock = threading.Lock()  # one measurement at a time in this process
        self._store_lock = threading.Lock()  # guards the dictionary (readers never wait for a measurement)
        self._values: OrderedDict = OrderedDict()
        self._running: set = set()  # keys a worker is still measuring
        self.round = 0
        self.round_started: float | None = None

    def get(self, key) -> Measured | None:
        with self._store_lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
            return found

    def values(self, keys) -> dict:
        """{key: Measured} for the keys measured (in any round)."""
        return {key: found for key in keys if (found := self.get(key)) is not None}

    def _put(self, key, value) -> None:
        with self._store_lock:
            self._values[key] = Measured(value, self.wall(), self.round)
            self._values.move_to_end(key)
            while len(self._values) > self.capacity:
                self._values.popitem(last=False)

    def _current(self, key) -> bool:
        found = self.get(key)
        return found is not None and found.round == self.round

    def pending(self, jobs) -> int:
        return sum(not self._current(key) for key, _ in jobs)

    def measure(self, jobs) -> Progress:
        """Measure the jobs not measured in this round, in order, within the budget; one request at a time."""
        if not self.pending(jobs):
            return Progress(0, 0, False, 0.0)
        if not self._lock.acquire(timeout=self.wait):
            return Progress(0, self.pending(jobs), True, 0.0, bool(self._running))
        try:
            start = self.clock()
            deadline = start + self.budget
            measured = 0
            for key, measure in jobs:
                if self._current(key) or self._running:  # measured meanwhile, or a worker is still at it
                    continue
                if self.clock() >= deadline:
                    break
                try:
                    self._put(key, measure(self.clock, deadline))
                except Late as late:
                    self._running.add(key)
                    late.future.add_done_callback(lambda future, key=key, round=self.round: self._finish(key, future,
                                                                                                        round))
                    return Progress(measured, self.pending(jobs), False, self.clock() - start, True, True)
                except Exception:  # noqa: BLE001  a measurement that failed (a worker that died): the next request tries again
                    logging.getLogger(__name__).exception("measuring %r failed", key)
                    break
                measured += 1
            return Progress(measured, self.pending(jobs), False, self.clock() - start, bool(self._running))
        finally:
            self._lock.release()

    def _finish(self, key, future, round: int) -> None:
        """A worker's late value, stored (in the round it was asked for) when it comes."""
        self._running.discard(key)
        if future.exception() is None and round == self.round:
            self._put(key, future.result())

    def wait_for_again(self) -> float:
        """Seconds until "measure again" may start a new round (0 when it may now)."""
        if self.round_started is None:
            return 0.0
        return max(0.0, self.round_started + self.again_every - self.wall())

    def again(self) -> float:
        """Start a new round (every job is measured anew, old values shown until then) unless one started
        less than `again_every` seconds ago. Returns 0 when started, else the seconds still to wait."""
        with self._store_lock:
            waiting = self.wait_for_again()
            if waiting:
                return waiting
            self.round += 1
            self.round_started = self.wall()
            return 0.0


# ---- measuring in a process of its own ---------------------------------------------------------------

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
LATE_GRACE = 0.3  # seconds a request waits past its budget for a measurement to come back
WORKER = Path(__file__).resolve().parent.parent / "measure_worker.py"


class Worker:
    """Measurements in measure_worker.py, one process started on first use and kept, one BLAS thread, at a
    lower priority. `measure(key, clock, deadline)` is the bench's job; requests are answered in order."""

    def __init__(self, threads: int = 1, script: Path = WORKER):
        self.threads, self.script = threads, script
        self._process = None
        self._waiting: deque = deque()  # futures of the requests sent, in order
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, **{name: str(self.threads) for name in THREAD_VARIABLES})
        process = subprocess.Popen([sys.executable, str(self.script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   env=env)
        threading.Thread(target=self._answers, args=(process,), daemon=True, name="measure-worker").start()
        return process

    def _answers(self, process) -> None:
        """Each answer to the oldest request waiting; when the worker ends, every request left fails."""
        from measure_worker import read_frame

        while (answer := read_frame(process.stdout)) is not None:
            status, value = pickle.loads(answer)
            future = self._waiting.popleft()
            if status == "ok":
                future.set_result(value)
            else:
                future.set_exception(RuntimeError(value))
        with self._lock:
            while self._waiting:
                self._waiting.popleft().set_exception(RuntimeError("the measuring process ended"))
            if self._process is process:
                self._process = None

    def submit(self, key, seconds: float) -> Future:
        from measure_worker import write_frame

        future = Future()
        with self._lock:
            if self._process is None:
                self._process = self._start()
            self._waiting.append(future)
            write_frame(self._process.stdin, pickle.dumps((key, seconds)))
        return future

    def measure(self, key, clock, deadline):
        """The worker's measurement of `key` within the time left until `deadline`; Late if it takes longer."""
        remaining = max(0.0, deadline - clock())
        future = self.submit(key, remaining)
        try:
            return future.result(timeout=remaining + LATE_GRACE)
        except FutureTimeout:
            raise Late(future) from None

    def stop(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.stdin.close()
                self._process.wait(timeout=10)
                self._process = None


_shared: list = []
_sharing = threading.Lock()


def shared() -> tuple[Bench, Worker]:
    """The process's one store of measurements, shared by every session, and the process that measures."""
    with _sharing:
        if not _shared:
            _shared.append((Bench(), Worker()))
        return _shared[0]
