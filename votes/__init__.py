"""The class vote, without Streamlit: a store (SQLite or PostgreSQL through SQLAlchemy Core), the vote
logic (ballot) and the join link's QR code. ui/vote.py puts it on the pages."""

from __future__ import annotations

from . import store
from .ballot import (
    CODE_ALPHABET,
    BadAnswer,
    Ballots,
    ExpiredCode,
    Field,
    NotAllowed,
    Question,
    RateLimited,
    Started,
    Tally,
    UnknownCode,
    Vote,
    VoteClosed,
    VoteError,
    VoteUnavailable,
    normal_code,
    unavailable,
)
from .qr import qr_png


def ballots(url: str | None = None) -> Ballots:
    """The vote logic on this process's database (store.database_url()); VoteUnavailable if it cannot be reached."""
    try:
        return Ballots(store.engine(url))
    except Exception as error:  # unreachable, refused, a bad URL, a missing driver: the page goes on without votes
        raise unavailable() from error


__all__ = ["CODE_ALPHABET", "BadAnswer", "Ballots", "ExpiredCode", "Field", "NotAllowed", "Question", "RateLimited",
           "Started", "Tally", "UnknownCode", "Vote", "VoteClosed", "VoteError", "VoteUnavailable", "ballots",
           "normal_code", "qr_png", "store"]
