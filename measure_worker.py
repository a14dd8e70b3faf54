"""Measures for the Measured time page in a process of its own (lessons.bench.Worker starts it, by its path,
with the Python that runs the app, and keeps it for the server's life).

    python measure_worker.py      # requests on stdin, answers on stdout

A request is one pickled (key, seconds) after its length (8 bytes, big-endian); the answer the pickled
("ok", value) or ("error", message), framed the same way. The key says what to measure
(lessons.measured_time.measure_key), the seconds how long it may repeat. The process lowers its priority
first, and its parent gives it one BLAS thread: measuring then holds neither the server's interpreter lock
nor a core its pages need. It ends when its input closes.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import time
import traceback

NICENESS = 10  # added to the server's: the class's pages go first on a busy machine
FRAME = struct.Struct(">Q")


def read_frame(stream) -> bytes | None:
    head = stream.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    return stream.read(FRAME.unpack(head)[0])


def write_frame(stream, payload: bytes) -> None:
    stream.write(FRAME.pack(len(payload)) + payload)
    stream.flush()


def main() -> None:
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):
        pass
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from engine.timing import torch_or_none
    from lessons.measured_time import measure_key

    torch_or_none()  # PyTorch (where installed) imported now, not inside the first measurement's time

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a library prints goes to the log, not into the answers
    while (request := read_frame(source)) is not None:
        key, seconds = pickle.loads(request)
        try:
            answer = ("ok", measure_key(key, time.perf_counter, time.perf_counter() + seconds))
        except Exception as error:  # noqa: BLE001  answered, and the worker goes on
            traceback.print_exc()
            answer = ("error", f"{type(error).__name__}: {error}")
        write_frame(sink, pickle.dumps(answer))


if __name__ == "__main__":
    main()
