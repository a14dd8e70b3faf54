"""Process housekeeping for a server holding a class: memory given back after a rerun that grew it,
without the collections themselves holding up the class.

app.py calls collect_garbage_when_grown() after every page run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import threading
import time

GC_GROWTH_BYTES = 4 * 2**20  # the process may grow by this much between full garbage collections
GC_SHARE = 0.05  # at most this share of the time goes to full collections (each holds the interpreter lock)
_after_collection = [0]  # the process's size after the last collection
_next_collection = [0.0]  # the clock's time before which no collection starts
_frozen = [False]  # whether the modules loaded before the first page run are out of the collector's sight
_clock = time.monotonic
_collection = threading.Lock()


def _rss() -> int:
    """This process's resident memory in bytes (Linux), 0 where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def freeze_what_is_loaded() -> None:
    """Once per process, before its first page runs: what is alive then (the modules of Streamlit, Plotly,
    NumPy and the app, about 190,000 objects, never garbage) moved out of the garbage collector's sight
    (gc.freeze), so that every later full collection walks only what came after. Before any page has
    drawn anything: nothing frozen can become garbage that is never collected."""
    if _frozen[0]:
        return
    with _collection:
        if not _frozen[0]:
            gc.collect()
            gc.freeze()
            _frozen[0] = True


def collect_garbage_when_grown() -> None:
    """A full garbage collection after a rerun once the process has grown by GC_GROWTH_BYTES since
    the last one (every rerun where memory cannot be read), unless the last one ended too recently.

    Streamlit's own after every rerun is off (.streamlit/config.toml): on a server holding a class's
    figures it was 45% of the CPU. Without any, objects caught in reference cycles wait for Python's
    own full collection, which comes only once the heap has grown by a quarter. Growth is what
    garbage costs, so growth is what triggers a collection: a busy server collects every few
    seconds, a quiet one hardly ever, and either stays within a few MiB of what it uses.

    While a class arrives, forty new sessions grow the process by 90 MiB in seconds (not garbage), and
    each 4 MiB started a collection of 0.1-0.3 s, each holding the interpreter lock: thirteen in 7 s.
    So after a collection that took t seconds the next waits t * (1 / GC_SHARE - 1): at most GC_SHARE
    of the time goes to collecting, however fast the process grows. Each walks less for
    freeze_what_is_loaded: the load test's p95 was 1.2-1.4 s without it, 0.6-0.7 s with it. (Frozen
    at the first collection instead, after a page had run, the memory check grew 3 MiB more: what
    that page left behind was never collected.)"""
    rss = _rss()
    if rss and rss - _after_collection[0] < GC_GROWTH_BYTES:
        return
    if _clock() < _next_collection[0]:
        return
    if not _collection.acquire(blocking=False):
        return
    try:
        start = _clock()
        gc.collect()
        _release_free_memory()
        end = _clock()
        _next_collection[0] = end + (end - start) * (1 / GC_SHARE - 1)
        _after_collection[0] = _rss()
    finally:
        _collection.release()


@functools.cache
def _libc():
    """glibc, or None where the C library is another (musl, macOS) or cannot be loaded."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _release_free_memory() -> None:
    """Give the memory the C allocator holds free back to the system. Sessions run in threads of
    their own, each allocating in its own glibc arena; what one frees inside an arena (an image
    filtered for a student) is kept for reuse, not returned, unless it is trimmed."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
