"""Process housekeeping for a server holding a class: memory given back after a rerun that grew it.

app.py calls collect_garbage_when_grown() after every page run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import threading

GC_GROWTH_BYTES = 4 * 2**20  # the process may grow by this much between full garbage collections
_after_collection = [0]
_collection = threading.Lock()


def _rss() -> int:
    """This process's resident memory in bytes (Linux), 0 where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def collect_garbage_when_grown() -> None:
    """A full garbage collection after a rerun once the process has grown by GC_GROWTH_BYTES since
    the last one (every rerun where memory cannot be read).

    Streamlit's own after every rerun is off (.streamlit/config.toml): on a server holding a class's
    figures it was 45% of the CPU. Without any, objects caught in reference cycles wait for Python's
    own full collection, which comes only once the heap has grown by a quarter. Growth is what
    garbage costs, so growth is what triggers a collection: a busy server collects every few
    seconds, a quiet one hardly ever, and either stays within a few MiB of what it uses."""
    rss = _rss()
    if rss and rss - _after_collection[0] < GC_GROWTH_BYTES:
        return
    if not _collection.acquire(blocking=False):
        return
    try:
        gc.collect()
        _release_free_memory()
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
