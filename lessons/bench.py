"""One process's measurements, shared by every session: a class opening the Measured time page together
measures once, one measurement at a time, each request for at most a bounded time. No Streamlit.

A job is (key, measure), measure(clock, deadline) -> a value (an engine.timing.Timing, or a rate and its
Timing). `Bench.measure` runs the jobs whose key it has no current value for, in order, until its budget
is spent; the rest wait for the next request. "Measure again" starts a new round, at most once every
`again_every` seconds per process: until a job is measured anew its last value is still shown.
Clocks are injected (`clock` times the budget, `wall` dates the results and paces "measure again"), so
the tests need no real time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

BUDGET_SECONDS = 1.5  # of measuring per request; a job's last repeat may run on a little past it (< 2 s)
WAIT_SECONDS = 2.5  # a request waits at most this long for another session's measurement to end
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
    measuring (this request then measured nothing), and the seconds it spent measuring."""

    measured: int
    pending: int
    busy: bool
    seconds: float


class Bench:
    def __init__(self, clock=time.perf_counter, wall=time.time, budget: float = BUDGET_SECONDS,
                 wait: float = WAIT_SECONDS, again_every: float = AGAIN_EVERY_SECONDS, capacity: int = CAPACITY):
        self.clock, self.wall = clock, wall
        self.budget, self.wait, self.again_every, self.capacity = budget, wait, again_every, capacity
        self._lock = threading.Lock()  # one measurement at a time in this process
        self._store_lock = threading.Lock()  # guards the dictionary (readers never wait for a measurement)
        self._values: OrderedDict = OrderedDict()
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
            return Progress(0, self.pending(jobs), True, 0.0)
        try:
            start = self.clock()
            deadline = start + self.budget
            measured = 0
            for key, measure in jobs:
                if self._current(key):  # measured meanwhile, by the session that held the lock
                    continue
                if self.clock() >= deadline:
                    break
                self._put(key, measure(self.clock, deadline))
                measured += 1
            return Progress(measured, self.pending(jobs), False, self.clock() - start)
        finally:
            self._lock.release()

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
