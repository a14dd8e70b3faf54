"""Faults: PostgreSQL restarted in the middle of a vote. Students keep answering through it; every
answer acknowledged to a student (Ballots.answer returned) is in the vote afterwards, and every one
that was not got VoteUnavailable (the student is told to try again), never another error."""

from __future__ import annotations

import threading
import time

import pytest

import votes
from votes import store

STUDENTS = 40


@pytest.mark.parametrize("mode", ["fast", "immediate"])  # a clean shutdown, and a crash with WAL recovery
def test_a_postgresql_restart_mid_vote_loses_no_acknowledged_answer(postgres_cluster, mode):
    engine = store.make_engine(postgres_cluster.url)
    ballots = votes.Ballots(engine, min_interval=0, max_changes=10**6)
    try:
        started = ballots.start("convolution", {}, votes.Question.of("Output size?", [("Rows", 3)]))
        code = started.vote.code
        acknowledged: dict[str, int] = {}  # session -> the last answer acknowledged to it
        # answers sent since: a commit can succeed as the connection drops, stored but not acknowledged
        unconfirmed: dict[str, set] = {}
        refused, other_errors = [], []
        stop = threading.Event()
        lock = threading.Lock()

        def student(index: int) -> None:
            value, session = 0, f"student-{index}"
            while not stop.is_set():
                value += 1
                with lock:
                    unconfirmed.setdefault(session, set()).add(value % 1000)
                try:
                    ballots.answer(code, f"student-{index}", [value % 1000])
                except votes.VoteUnavailable:
                    refused.append(index)
                    time.sleep(0.05)
                    continue
                except Exception as error:  # noqa: BLE001 (the test is that there are none)
                    other_errors.append(repr(error))
                    return
                with lock:
                    acknowledged[session] = value % 1000
                    unconfirmed[session] = set()
                time.sleep(0.02)

        threads = [threading.Thread(target=student, args=(i,)) for i in range(STUDENTS)]
        for thread in threads:
            thread.start()
        time.sleep(0.6)
        before = len(acknowledged)
        postgres_cluster.restart(mode, down_seconds=0.5)
        time.sleep(1.0)  # answers go on after the restart
        stop.set()
        for thread in threads:
            thread.join(timeout=20)

        assert not other_errors, other_errors[:3]
        assert before > 0 and refused, (before, len(refused))  # answers went through before, and some were refused
        assert len(acknowledged) == STUDENTS
        for session, value in acknowledged.items():  # the last acknowledged answer, or one sent after it
            assert ballots.my_answer(code, session)[0] in {value} | unconfirmed[session], session
        assert ballots.tally(code, started.token).count == STUDENTS
    finally:
        engine.dispose()
        made = store.make_engine(postgres_cluster.url)
        store.metadata.drop_all(made)
        made.dispose()
