"""A class vote on a page's question: started by a presenter, answered by the room, closed and revealed.

Only the holder of the presenter's token (the session that started the vote) can read the answers,
close the vote or export it; a student's session can answer, change its answer while the vote is
open, and read its own answer and the vote's state. Nothing about a person is stored: a session is
the hash of a random token its browser tab holds.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import numbers
import os
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .store import answers, votes

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a projector without doubt
CODE_LENGTH = 5  # 31**5, about 29 million codes
LIFETIME_HOURS = 4.0  # how long a code joins a vote (VOTE_LIFETIME_HOURS), the length of a long lecture
KEEP_DAYS = 7  # expired votes and their answers are deleted after this
MIN_SECONDS_BETWEEN_ANSWERS = 1.0  # per session and vote
MAX_CHANGES = 20  # per session and vote


class VoteError(Exception):
    """Something a person should be told, in words (the message), about a vote."""


class VoteUnavailable(VoteError):
    """The database cannot be reached: the vote cannot go on, the page can."""


class UnknownCode(VoteError):
    pass


class ExpiredCode(VoteError):
    pass


class VoteClosed(VoteError):
    pass


class NotAllowed(VoteError):
    pass


class RateLimited(VoteError):
    pass


class BadAnswer(VoteError):
    pass


def _plain(value):
    return int(value) if isinstance(value, numbers.Integral) else float(value)


@dataclass(frozen=True)
class Field:
    """One number asked for: its label, the right answer, whether it is a whole number, and its range."""
    label: str
    answer: int | float
    whole: bool
    low: float
    high: float

    @classmethod
    def of(cls, label: str, answer, unit: str = "") -> Field:
        answer = _plain(answer)
        high = 100 if unit == "%" else max(1000, 100 * math.ceil(abs(answer)))
        return cls(str(label), answer, isinstance(answer, int), 0, high)

    def check(self, value) -> int | float:
        """The value as stored, or BadAnswer saying why not."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise BadAnswer(f"{self.label}: type a number.")
        value = _plain(value)
        if not self.low <= value <= self.high:
            raise BadAnswer(f"{self.label}: the answer is a number from {self.low:,} to {self.high:,}.")
        if self.whole:
            if value != int(value):
                raise BadAnswer(f"{self.label}: the answer is a whole number.")
            return int(value)
        return round(float(value), 6)


@dataclass(frozen=True)
class Question:
    text: str
    fields: tuple[Field, ...]
    tolerance: float = 0
    unit: str = ""
    explanation: str = ""

    @classmethod
    def of(cls, text: str, pairs, explanation: str = "", tolerance: float = 0, unit: str = "") -> Question:
        """From the pages' form: (label, right answer) pairs."""
        return cls(text, tuple(Field.of(label, answer, unit) for label, answer in pairs), float(tolerance), unit,
                   explanation)

    def right(self, values) -> bool:
        return all(abs(v - f.answer) <= self.tolerance for v, f in zip(values, self.fields))

    def check(self, values) -> tuple:
        values = list(values)
        if len(values) != len(self.fields):
            raise BadAnswer(f"Give {len(self.fields)} number{'s' if len(self.fields) > 1 else ''}.")
        return tuple(field.check(value) for field, value in zip(self.fields, values))


@dataclass(frozen=True)
class Vote:
    code: str
    page: str
    query: dict
    question: Question
    created_at: float
    expires_at: float
    closed_at: float | None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class Started:
    vote: Vote
    token: str  # the presenter's secret: keep it in the presenter's session only


@dataclass(frozen=True)
class Tally:
    count: int
    bars: tuple[tuple[tuple, int, bool], ...]  # (answer, how many, right), in the answers' order
    right: int


def normal_code(text: str) -> str:
    """A typed code as stored: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in str(text).upper() if ch not in " -\t")[:16]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _fields_json(question: Question) -> str:
    return json.dumps([{"label": f.label, "answer": f.answer, "whole": f.whole, "low": f.low, "high": f.high}
                       for f in question.fields])


def _vote(row) -> Vote:
    fields = tuple(Field(f["label"], f["answer"], f["whole"], f["low"], f["high"]) for f in json.loads(row.fields))
    question = Question(row.question, fields, row.tolerance, row.unit, row.explanation)
    return Vote(row.code, row.page, json.loads(row.query), question, row.created_at, row.expires_at, row.closed_at)


def lifetime_hours() -> float:
    try:
        hours = float(os.environ.get("VOTE_LIFETIME_HOURS", LIFETIME_HOURS))
    except ValueError:
        hours = LIFETIME_HOURS
    return hours if math.isfinite(hours) and hours > 0 else LIFETIME_HOURS


class Ballots:
    """The vote logic over one SQLAlchemy engine. Every database failure comes out as VoteUnavailable."""

    def __init__(self, engine: sa.Engine, clock=time.time, lifetime_hours: float | None = None,
                 min_interval: float = MIN_SECONDS_BETWEEN_ANSWERS, max_changes: int = MAX_CHANGES):
        self.engine = engine
        self.clock = clock
        self.lifetime = 3600 * (lifetime_hours if lifetime_hours is not None else globals()["lifetime_hours"]())
        self.min_interval = min_interval
        self.max_changes = max_changes
        self.insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert

    def _transaction(self):
        return _Guarded(self.engine)

    # ---- the presenter

    def start(self, page: str, query: dict, question: Question) -> Started:
        now = self.clock()
        token = secrets.token_urlsafe(24)
        with self._transaction() as connection:  # expired votes go, their codes free again
            connection.execute(sa.delete(answers).where(answers.c.vote_id.in_(
                sa.select(votes.c.id).where(votes.c.expires_at < now - KEEP_DAYS * 86400))))
            connection.execute(sa.delete(votes).where(votes.c.expires_at < now - KEEP_DAYS * 86400))
        values = dict(token_hash=_digest(token), page=str(page), query=json.dumps(query, sort_keys=True),
                      question=question.text, fields=_fields_json(question), tolerance=question.tolerance,
                      unit=question.unit, explanation=question.explanation, created_at=now,
                      expires_at=now + self.lifetime, closed_at=None)
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self._transaction() as connection:
                    connection.execute(sa.insert(votes).values(code=code, **values))
                return Started(self.find(code, any_state=True), token)
            except sa.exc.IntegrityError:  # the code is taken: draw another
                continue
        raise VoteUnavailable("No free join code was found; try again.")

    def _owned(self, connection, code: str, token: str, lock: bool = False):
        query = sa.select(votes).where(votes.c.code == normal_code(code))
        row = connection.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None or not hmac.compare_digest(row.token_hash, _digest(str(token))):
            raise NotAllowed("Only the presenter who started this vote can see its answers or close it.")
        return row

    def tally(self, code: str, token: str) -> Tally:
        with self._transaction() as connection:
            row = self._owned(connection, code, token)
            counted = connection.execute(
                sa.select(answers.c.answer, sa.func.count()).where(answers.c.vote_id == row.id)
                .group_by(answers.c.answer)).all()
        question = _vote(row).question
        bars = sorted((tuple(json.loads(answer)), count) for answer, count in counted)
        bars = tuple((answer, count, question.right(answer)) for answer, count in bars)
        return Tally(sum(c for _, c, _ in bars), bars, sum(c for _, c, right in bars if right))

    def close(self, code: str, token: str) -> Vote:
        """Close the vote: no answer is taken after this returns, and every one acknowledged before is counted."""
        with self._transaction() as connection:
            row = self._owned(connection, code, token, lock=True)
            if row.closed_at is None:
                connection.execute(sa.update(votes).where(votes.c.id == row.id).values(closed_at=self.clock()))
        return self.find(code, any_state=True)

    def csv(self, code: str, token: str) -> str:
        """The answers as CSV, one row an answer, oldest first, with no session in it."""
        with self._transaction() as connection:
            row = self._owned(connection, code, token)
            rows = connection.execute(sa.select(answers.c.answer, answers.c.answered_at, answers.c.changes)
                                      .where(answers.c.vote_id == row.id).order_by(answers.c.answered_at)).all()
        question = _vote(row).question
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*(f.label for f in question.fields), "right", "seconds after the start", "changes"])
        for answer, answered_at, changes in rows:
            values = json.loads(answer)
            writer.writerow([*values, "yes" if question.right(values) else "no",
                             f"{answered_at - row.created_at:.1f}", changes])
        return out.getvalue()

    # ---- everyone

    def find(self, code: str, any_state: bool = False) -> Vote:
        """The vote a code joins; UnknownCode or ExpiredCode (any_state: an expired one too)."""
        code = normal_code(code)
        if not code:
            raise UnknownCode("Type the code shown on the screen.")
        if any(ch not in CODE_ALPHABET for ch in code):  # not echoed: what a student typed is no markdown of ours
            raise UnknownCode(f"There is no vote with that code: a code is {CODE_LENGTH} letters and digits "
                              "(no 0, 1, I, L or O); check it against the screen.")
        if len(code) != CODE_LENGTH:
            raise UnknownCode(f"There is no vote with the code {code}: check it against the screen.")
        with self._transaction() as connection:
            row = connection.execute(sa.select(votes).where(votes.c.code == code)).one_or_none()
        if row is None:
            raise UnknownCode(f"There is no vote with the code {code}: check it against the screen.")
        if not any_state and row.expires_at <= self.clock():
            raise ExpiredCode(f"The vote {code} has expired. Ask for the current code.")
        return _vote(row)

    def answer(self, code: str, session: str, values) -> tuple:
        """Record a session's answer (replacing its earlier one). Returns the answer as stored, once committed."""
        now = self.clock()
        with self._transaction() as connection:
            # shared lock on PostgreSQL: close() waits for answers being recorded, and answers wait for close()
            row = connection.execute(sa.select(votes).where(votes.c.code == normal_code(code))
                                     .with_for_update(read=True)).one_or_none()
            if row is None:
                raise UnknownCode(f"There is no vote with the code {normal_code(code)}.")
            if row.closed_at is not None:
                raise VoteClosed("The vote is closed: the answer is on the screen.")
            if row.expires_at <= now:
                raise ExpiredCode(f"The vote {row.code} has expired.")
            values = _vote(row).question.check(values)
            insert = self.insert(answers).values(vote_id=row.id, session=_digest(str(session)),
                                                 answer=json.dumps(values), changes=0, answered_at=now)
            insert = insert.on_conflict_do_update(
                index_elements=[answers.c.vote_id, answers.c.session],
                set_={"answer": insert.excluded.answer, "answered_at": insert.excluded.answered_at,
                      "changes": answers.c.changes + 1},
                where=(answers.c.answered_at <= now - self.min_interval) & (answers.c.changes < self.max_changes))
            if connection.execute(insert.returning(answers.c.changes)).one_or_none() is None:  # the WHERE held it
                changes = connection.execute(sa.select(answers.c.changes).where(
                    (answers.c.vote_id == row.id) & (answers.c.session == _digest(str(session))))).scalar()
                if changes is not None and changes >= self.max_changes:
                    raise RateLimited(f"You have changed your answer {changes} times: the last one counts.")
                raise RateLimited("One answer a second: wait a moment and send it again.")
        return values

    def seen_by(self, code: str, session: str) -> tuple[Vote, tuple | None]:
        """The vote (expired too) and a session's answer to it, in one transaction: what a student's page shows."""
        with self._transaction() as connection:
            row = connection.execute(sa.select(votes).where(votes.c.code == normal_code(code))).one_or_none()
            if row is None:
                raise UnknownCode(f"There is no vote with the code {normal_code(code)}.")
            answer = connection.execute(sa.select(answers.c.answer).where(
                (answers.c.vote_id == row.id) & (answers.c.session == _digest(str(session))))).scalar()
        return _vote(row), None if answer is None else tuple(json.loads(answer))

    def my_answer(self, code: str, session: str) -> tuple | None:
        with self._transaction() as connection:
            answer = connection.execute(
                sa.select(answers.c.answer).join(votes, votes.c.id == answers.c.vote_id)
                .where((votes.c.code == normal_code(code)) & (answers.c.session == _digest(str(session))))).scalar()
        return None if answer is None else tuple(json.loads(answer))


DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class _Guarded:
    """engine.begin(), with a failure of the database itself turned into VoteUnavailable."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.context = None

    def __enter__(self):
        try:
            self.context = self.engine.begin()
            return self.context.__enter__()
        except DATABASE_ERRORS as error:
            raise unavailable() from error

    def __exit__(self, kind, error, traceback):
        try:
            self.context.__exit__(kind, error, traceback)
        except DATABASE_ERRORS as failure:
            raise unavailable() from failure
        if kind is not None and issubclass(kind, DATABASE_ERRORS):
            raise unavailable() from error
        return False


def unavailable() -> VoteUnavailable:
    return VoteUnavailable("The class vote cannot reach its database just now, so voting is paused; the rest of "
                           "the page works. Try again in a moment.")
