"""Where votes are kept: SQLite by default, PostgreSQL when a URL is given, through SQLAlchemy Core.

Every statement is built by SQLAlchemy with bound parameters; no SQL is written from strings.
The schema is created on first use and versioned: `schema_version` holds the steps applied, and
MIGRATIONS lists them in order (a new step is appended, never edited).

Environment:
- DATABASE_URL: a SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/dbname. Several app
  servers behind one nginx need one PostgreSQL, so that students on different servers meet in one vote.
- CLASSROOM_DATA_DIR: the folder of the SQLite file when DATABASE_URL is not set (default: data/ beside app.py).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import sqlalchemy as sa

APP_FOLDER = Path(__file__).resolve().parent.parent
SQLITE_FILE = "votes.sqlite3"

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.Double, nullable=False),
)

votes = sa.Table(
    "votes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(8), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False),  # sha256 of the presenter's secret
    sa.Column("page", sa.String(64), nullable=False),  # the page's url path
    sa.Column("query", sa.Text, nullable=False),  # JSON: the page's address query, its configuration
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),  # JSON: [{label, answer, whole, low, high}, ...]
    sa.Column("tolerance", sa.Double, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False),
    sa.Column("closed_at", sa.Double, nullable=True),
)

sa.Index("votes_expires_at", votes.c.expires_at)  # expired votes are found and deleted

answers = sa.Table(
    "answers", metadata,
    sa.Column("vote_id", sa.Integer, sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("session", sa.String(64), primary_key=True),  # sha256 of a random per-tab token: no one's name
    sa.Column("answer", sa.Text, nullable=False),  # JSON list of numbers, one per field
    sa.Column("changes", sa.Integer, nullable=False),
    sa.Column("answered_at", sa.Double, nullable=False),
)


def _version_1(connection) -> None:
    """votes and answers."""
    for table in (votes, answers):
        table.create(connection, checkfirst=True)  # with its indexes


MIGRATIONS = [(1, _version_1)]  # (version, step), in order
SCHEMA_VERSION = MIGRATIONS[-1][0]


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):  # the usual form: use psycopg 3
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    folder = Path(os.environ.get("CLASSROOM_DATA_DIR", "").strip() or APP_FOLDER / "data")
    return f"sqlite:///{folder / SQLITE_FILE}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the presenter's histogram) never block the answers
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged answer survives a power cut too
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for `url`, its schema created or brought up to date."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # pre-ping: a connection that a restarted server dropped is replaced, not handed to a vote
        engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=10,
                                  connect_args={"connect_timeout": 3})
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def migrate(engine: sa.Engine) -> int:
    """Apply the MIGRATIONS steps the database lacks, in order, each in its own transaction. Returns the version."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:  # servers starting together take turns
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.literal(1_707_017, sa.BigInteger))))
        schema_version.create(connection, checkfirst=True)
        done = set(connection.execute(sa.select(schema_version.c.version)).scalars())
        for version, step in MIGRATIONS:
            if version not in done:
                step(connection)
                connection.execute(sa.insert(schema_version).values(version=version, applied_at=time.time()))
    return SCHEMA_VERSION


_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def engine(url: str | None = None) -> sa.Engine:
    """The process's engine for `url` (default: database_url()). A database that cannot be reached raises,
    and the next call tries again."""
    url = url or database_url()
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def forget_engines() -> None:
    with _lock:
        for made in _engines.values():
            made.dispose()
        _engines.clear()
