"""The class vote's logic (votes/), the same tests against SQLite and a real PostgreSQL.

PostgreSQL is a throwaway cluster (tests/postgres.py): skipped when its binaries are missing, a
failure under CI=true. Time is a clock the tests move, so expiry and the rate limit need no sleeping.
"""

from __future__ import annotations

import csv
import io
import math
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

import votes
from votes import store

QUESTION = votes.Question.of("How many multiplications?", [("Multiplications", 81)], "9 positions × 9 = **81**.")
TWO = votes.Question.of("Output size?", [("Rows", 5), ("Columns", 5)], "5 - 3 + 1 = 3")
SHARE = votes.Question.of("Pointwise share?", [("Share (%)", 74.6)], "most", tolerance=5, unit="%")


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'votes.sqlite3'}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    yield cluster.url
    made = store.make_engine(cluster.url)  # a clean database for the next test
    store.metadata.drop_all(made)
    made.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ballots(url, clock):
    engine = store.make_engine(url)
    yield votes.Ballots(engine, clock=clock, lifetime_hours=2)
    engine.dispose()


def started(ballots, question=QUESTION, page="convolution", query=None):
    return ballots.start(page, query if query is not None else {"h": "5", "w": "5"}, question)


def test_a_vote_has_a_short_unambiguous_code_and_keeps_the_page_its_configuration_and_question(ballots):
    vote = started(ballots, TWO, "depthwise", {"example": "custom", "k": "3"}).vote
    assert len(vote.code) == 5 and set(vote.code) <= set(votes.CODE_ALPHABET)
    assert not set("01OIL") & set(votes.CODE_ALPHABET)
    found = ballots.find(vote.code.lower().replace(vote.code[2], f" {vote.code[2]}-"))  # typed loosely
    assert (found.page, found.query, found.question, found.closed) == ("depthwise", {"example": "custom", "k": "3"},
                                                                        TWO, False)
    codes = {started(ballots).vote.code for _ in range(30)}
    assert len(codes) == 30


def test_one_answer_per_session_and_a_change_replaces_it(ballots, clock):
    code, token = (s := started(ballots)).vote.code, s.token
    assert ballots.answer(code, "tab-a", [80]) == (80,)
    assert ballots.answer(code, "tab-b", [81.0]) == (81,)
    clock.now += 2
    assert ballots.answer(code, "tab-a", [81]) == (81,)
    tally = ballots.tally(code, token)
    assert (tally.count, tally.right, tally.bars) == (2, 2, (((81,), 2, True),))
    assert ballots.my_answer(code, "tab-a") == (81,) and ballots.my_answer(code, "tab-c") is None
    vote, mine = ballots.seen_by(code, "tab-b")
    assert (vote.code, mine) == (code, (81,)) and ballots.seen_by(code, "tab-c")[1] is None
    with pytest.raises(votes.UnknownCode):
        ballots.seen_by("ZZZZZ", "tab-a")


def test_a_session_answering_too_fast_or_too_often_is_refused_and_its_last_answer_kept(url, clock):
    engine = store.make_engine(url)
    ballots = votes.Ballots(engine, clock=clock, min_interval=1.0, max_changes=3)
    code = started(ballots).vote.code
    ballots.answer(code, "tab", [1])
    with pytest.raises(votes.RateLimited, match="a second"):
        ballots.answer(code, "tab", [2])
    for value in (3, 4, 5):
        clock.now += 1.5
        ballots.answer(code, "tab", [value])
    clock.now += 10
    with pytest.raises(votes.RateLimited, match="changed your answer 3 times"):
        ballots.answer(code, "tab", [6])
    assert ballots.my_answer(code, "tab") == (5,)
    engine.dispose()


@pytest.mark.parametrize("values, message", [
    ([], "Give 1 number"), ([1, 2], "Give 1 number"), (["81"], "type a number"), ([None], "type a number"),
    ([True], "type a number"), ([math.nan], "type a number"), ([math.inf], "type a number"),
    ([-1], "from 0 to"), ([10**9], "from 0 to 8,100"), ([80.5], "whole number"),
])
def test_answers_are_checked_against_the_questions_type_and_range(ballots, values, message):
    code = started(ballots).vote.code
    with pytest.raises(votes.BadAnswer, match=message):
        ballots.answer(code, "tab", values)
    assert ballots.my_answer(code, "tab") is None


def test_a_percentage_takes_decimals_up_to_100_and_counts_within_its_tolerance(ballots):
    s = started(ballots, SHARE, "network_costs", {})
    ballots.answer(s.vote.code, "a", [70.25])
    ballots.answer(s.vote.code, "b", [50])
    with pytest.raises(votes.BadAnswer, match="from 0 to 100"):
        ballots.answer(s.vote.code, "c", [100.5])
    tally = ballots.tally(s.vote.code, s.token)
    assert tally.bars == (((50,), 1, False), ((70.25,), 1, True)) and tally.right == 1


@pytest.mark.parametrize("code, message", [("", "Type the code"), ("ABC", "no vote with the code ABC"),
                                           ("ZZZZZ", "no vote with the code ZZZZZ"), ("A0O1I", "no vote with that code"),
                                           ("x" * 5000, "no vote")])
def test_an_unknown_code_gets_a_clear_message(ballots, code, message):
    started(ballots)
    with pytest.raises(votes.UnknownCode, match=message):
        ballots.find(code)


def test_a_code_expires_after_its_lifetime(ballots, clock):
    code = started(ballots).vote.code
    clock.now += 2 * 3600 - 1
    ballots.find(code)
    clock.now += 2
    with pytest.raises(votes.ExpiredCode, match="expired"):
        ballots.find(code)
    with pytest.raises(votes.ExpiredCode):
        ballots.answer(code, "tab", [81])


def test_expired_votes_are_deleted_after_a_week_with_their_answers(ballots, clock):
    old = started(ballots).vote.code
    ballots.answer(old, "tab", [81])
    clock.now += 8 * 86400
    started(ballots)
    with pytest.raises(votes.UnknownCode):
        ballots.find(old, any_state=True)
    with ballots.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(store.answers)).scalar() == 0


def test_only_the_presenters_token_reads_closes_or_exports_a_vote(ballots):
    s = started(ballots)
    other = started(ballots)
    ballots.answer(s.vote.code, "student", [81])
    for token in ("student", "", other.token, s.token[:-1]):
        for action in (ballots.tally, ballots.close, ballots.csv):
            with pytest.raises(votes.NotAllowed):
                action(s.vote.code, token)
    assert not ballots.find(s.vote.code).closed


def test_close_takes_no_more_answers_and_keeps_those_acknowledged(ballots, clock):
    s = started(ballots, TWO)
    ballots.answer(s.vote.code, "a", [5, 5])
    ballots.answer(s.vote.code, "b", [3, 3])
    ballots.answer(s.vote.code, "c", [5, 5])
    assert ballots.close(s.vote.code, s.token).closed
    clock.now += 5
    with pytest.raises(votes.VoteClosed):
        ballots.answer(s.vote.code, "a", [3, 3])
    with pytest.raises(votes.VoteClosed):
        ballots.answer(s.vote.code, "d", [5, 5])
    tally = ballots.tally(s.vote.code, s.token)
    assert (tally.count, tally.right, tally.bars) == (3, 2, (((3, 3), 1, False), ((5, 5), 2, True)))
    assert ballots.close(s.vote.code, s.token).closed  # twice is fine


def test_the_csv_has_one_row_an_answer_and_nothing_about_who(ballots, clock):
    s = started(ballots, TWO)
    ballots.answer(s.vote.code, "secret-session-a", [5, 5])
    clock.now += 3
    ballots.answer(s.vote.code, "secret-session-b", [4, 5])
    text = ballots.csv(s.vote.code, s.token)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Rows", "Columns", "right", "seconds after the start", "changes"],
                    ["5", "5", "yes", "0.0", "0"], ["4", "5", "no", "3.0", "0"]]
    assert "secret" not in text


def test_text_that_looks_like_sql_is_stored_as_text(ballots):
    nasty = "x'); DROP TABLE votes; --"
    question = votes.Question.of(nasty, [(nasty, 3)], nasty)
    s = ballots.start(nasty, {nasty: nasty}, question)
    with pytest.raises(votes.UnknownCode):
        ballots.find("A'; DROP TABLE votes; --")
    ballots.answer(s.vote.code, nasty, [3])
    found = ballots.find(s.vote.code)
    assert (found.page, found.query, found.question.text) == (nasty, {nasty: nasty}, nasty)
    assert ballots.tally(s.vote.code, s.token).count == 1


def test_fifty_students_at_once_are_each_counted_once(ballots):
    s = started(ballots)

    def answer(i):
        return ballots.answer(s.vote.code, f"tab-{i}", [80 + i % 3])

    with ThreadPoolExecutor(10) as pool:
        assert len(list(pool.map(answer, range(50)))) == 50
    tally = ballots.tally(s.vote.code, s.token)
    assert tally.count == 50 and [c for _, c, _ in tally.bars] == [17, 17, 16]


def test_the_schema_is_created_once_and_versioned(url):
    first = store.make_engine(url)
    second = store.make_engine(url)  # a second server starting on the same database
    with first.connect() as connection:
        assert connection.execute(sa.select(store.schema_version.c.version)).scalars().all() == [store.SCHEMA_VERSION]
        assert set(sa.inspect(connection).get_table_names()) >= {"schema_version", "votes", "answers"}
        if first.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    first.dispose()
    second.dispose()


def test_an_unreachable_database_is_one_clear_message(free_port):
    with pytest.raises(votes.VoteUnavailable, match="cannot reach its database"):
        votes.ballots(f"postgresql+psycopg://nobody@127.0.0.1:{free_port}/none")
    with pytest.raises(votes.VoteUnavailable):
        votes.ballots("sqlite:////proc/no/such/folder/votes.sqlite3")


@pytest.fixture
def free_port():
    import postgres

    return postgres.free_port()


def test_the_join_link_qr_code_is_a_png_that_holds_the_link():
    png = votes.qr_png("http://lecture-hall:8080/join?code=ABCDE")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 5000


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CLASSROOM_DATA_DIR", str(tmp_path))
    assert store.database_url() == f"sqlite:///{tmp_path / 'votes.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/votes")
    assert store.database_url() == "postgresql+psycopg://u:p@db/votes"
