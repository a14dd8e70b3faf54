"""The class vote on a page's question (votes/ does the work): in presenter mode "Start a class vote"
shows a join code, link and QR code and the room's answers as they come; "Close and reveal" marks the
right answer. Students who joined (pages/join.py) see the same page and configuration, answer, and see
the answer once the vote is closed. A database that cannot be reached is one message; the page goes on.

predict() calls run() first: it returns None when no vote concerns this page, else what predict returns
(False: the page stops at the question; True: the answer is out, the page goes on).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from urllib.parse import urlsplit

import streamlit as st

import votes
from votes.chart import answer_label, histogram

SESSION = "_vote_session"  # this tab's random token: the only thing that ties its answers together
OWNED = "_vote_owned"  # the vote this tab started: {"code", "token", "page"} (the token never leaves it)
JOINED = "_vote_joined"  # the vote this tab joined: {"code", "page"}
NOTE = "_vote_note"  # (kind, text) about the last thing done with a vote
PAGE = "_page"  # ui.controls.PAGE: the url path of the page running
CLASSROOM = ("present", "predict")  # not part of a page's configuration
PUBLIC_URL = "CLASSROOM_PUBLIC_URL"  # the address students use, when the presenter's browser uses another
PRESENTER_REFRESH = 0.5  # s between the presenter's counts: an answer is on the screen within about 1 s
STUDENT_REFRESH = 3.0  # s between a student's looks at whether the vote is closed: 100 students, 33 small reruns a second
SECONDS_BETWEEN_STARTS = 5.0  # per tab: a script pressing "Start" cannot fill the database


def session_token() -> str:
    return st.session_state.setdefault(SESSION, secrets.token_urlsafe(18))


def _note(kind: str, text: str) -> None:
    st.session_state[NOTE] = (kind, text)


def _show_note() -> None:
    kind, text = st.session_state.pop(NOTE, (None, None))
    if kind == "success":
        st.success(text, icon=":material/how_to_vote:")
    elif kind == "error":
        st.warning(text, icon=":material/error:")


def page_query() -> dict:
    """The page's configuration: its address's query, less the classroom switches."""
    return {key: value for key, value in st.query_params.to_dict().items() if key not in CLASSROOM}


def base_address() -> str:
    """The app's address as the students should use it: CLASSROOM_PUBLIC_URL, or the presenter's browser's."""
    public = os.environ.get(PUBLIC_URL, "").strip()
    if public:
        return public.rstrip("/")
    url = urlsplit(st.context.url or "")
    path, page = url.path.rstrip("/"), st.session_state.get(PAGE, "")
    if page and path.endswith("/" + page):
        path = path[: -len(page) - 1]
    return f"{url.scheme or 'http'}://{url.netloc}{path}"


def join_link(code: str) -> str:
    return f"{base_address()}/join?code={code}"


def only_this_computer(link: str) -> bool:
    host = urlsplit(link).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(question: str, fields, explanation: str, tolerance: float = 0, unit: str = "", figure=None) -> bool | None:
    """`figure`: the question's figure (viz.question), which a student who joined sees while the vote is open."""
    page = st.session_state.get(PAGE, "")
    owned = st.session_state.get(OWNED)
    if owned and owned["page"] == page:
        return _presenter(owned)
    joined = st.session_state.get(JOINED)
    if joined and joined["page"] == page:
        return _student(joined, figure)
    if st.session_state.get("present"):
        _start_button(page, votes.Question.of(question, fields, explanation, tolerance, unit))
    return None


def show_question_figure(figure) -> None:
    """The question's figure (a lesson's question_figure: the configuration, nothing of the answer), drawn while
    the question is open, above the answer fields (here and in predict)."""
    if figure is not None:
        st.plotly_chart(figure, width="stretch", theme=None, key="question_figure",
                        config={"displayModeBar": False, "scrollZoom": False})


# ---- the presenter


def _start(page: str, question: votes.Question) -> None:
    last = st.session_state.get("_vote_started_at", 0.0)
    if time.monotonic() - last < SECONDS_BETWEEN_STARTS:
        _note("error", "A vote was started a moment ago: wait a few seconds before starting another.")
        return
    st.session_state["_vote_started_at"] = time.monotonic()
    try:
        started = votes.ballots().start(page, page_query(), question)
    except votes.VoteError as error:
        _note("error", str(error))
        return
    st.session_state[OWNED] = {"code": started.vote.code, "token": started.token, "page": page}


def _close(owned: dict) -> None:
    try:
        votes.ballots().close(owned["code"], owned["token"])
    except votes.VoteError as error:
        _note("error", str(error))


def _end() -> None:
    st.session_state.pop(OWNED, None)


def _start_button(page: str, question: votes.Question) -> None:
    """At the top right of the screen, beside the page script's "☰ Controls" button: it takes no room from the
    page, whose animation presenter mode fits to the projector."""
    st.html(STYLE)
    st.button("Start a class vote", key="_vote_start", icon=":material/how_to_vote:",
              type="tertiary", on_click=_start, args=(page, question),
              help="Every student answers on their own device; you see the spread, then reveal.")
    _show_note()


def _presenter(owned: dict) -> bool:
    code = owned["code"]
    try:
        vote = votes.ballots().find(code, any_state=True)
    except votes.VoteError as error:
        st.warning(str(error), icon=":material/error:")
        st.button("End this vote", key="_vote_end", on_click=_end, type="tertiary")
        return True
    link = join_link(code)
    st.html(STYLE)
    with st.container(border=True, key="vote_presenter"):
        # open: the code and QR code beside the answers coming in; closed: the formula beside the answers
        join_column, answers_column = st.columns([1, 1] if vote.closed else [2, 3], gap="medium")
        with join_column:
            if vote.closed:  # the QR code has done its work: the formula takes its place
                st.markdown(vote.question.explanation)
            else:
                st.markdown("Vote on your phone or laptop at")
                with st.container(key="vote_link"):
                    st.text(link)  # as it is: no markdown read into it
                with st.container(key="vote_code"):
                    st.text(code)
                st.image(votes.qr_png(link), width=260)
                if only_this_computer(link):
                    st.caption(f"This address works on this computer only: open the app by its network name, "
                               f"or set {PUBLIC_URL}.")
        with answers_column:
            st.markdown(f"**Class vote {code}.** {vote.question.text}")
            if vote.closed:
                _revealed(owned, vote)
            else:
                _live_answers(code, owned["token"], vote.question)
                st.button("Close and reveal", key="_vote_close", type="primary", icon=":material/visibility:",
                          on_click=_close, args=(owned,))
        _show_note()
    return vote.closed


def _chart(tally, question, revealed: bool) -> None:
    presenting = bool(st.session_state.get("present"))
    st.plotly_chart(histogram(tally, question, revealed, height=300 if presenting else 260,
                              font=22 if presenting else 16),
                    width="stretch", theme=None, key="vote_histogram", config={"displayModeBar": False,
                                                                                "staticPlot": True})


@st.fragment(run_every=PRESENTER_REFRESH)
def _live_answers(code: str, token: str, question: votes.Question) -> None:
    """The count and the histogram, redrawn every second without anyone touching anything."""
    try:
        tally = votes.ballots().tally(code, token)
    except votes.VoteError as error:
        st.warning(str(error), icon=":material/error:")
        return
    with st.container(key="vote_count"):
        st.markdown(f"{tally.count} answer{'' if tally.count == 1 else 's'}")
    _chart(tally, question, revealed=False)


def _revealed(owned: dict, vote: votes.Vote) -> None:
    question = vote.question
    try:
        ballots = votes.ballots()
        tally = ballots.tally(owned["code"], owned["token"])
        table = ballots.csv(owned["code"], owned["token"])
    except votes.VoteError as error:
        st.warning(str(error), icon=":material/error:")
        return
    answer = answer_label(tuple(f.answer for f in question.fields), question.unit)
    with st.container(key="vote_count"):
        st.markdown(f"The answer: **{answer}** · {tally.right} of {tally.count} right")
    _chart(tally, question, revealed=True)
    with st.container(horizontal=True):
        st.download_button("Answers as CSV", table, file_name=f"vote-{owned['code']}.csv", mime="text/csv",
                           key="_vote_csv", icon=":material/download:", type="tertiary")
        st.button("End this vote", key="_vote_end", on_click=_end, type="tertiary", icon=":material/close:")


# ---- a student


def join(code: str) -> votes.Vote:
    """Join the vote a code names (VoteError if it cannot be joined); the caller opens its page."""
    vote = votes.ballots().find(code)
    st.session_state[JOINED] = {"code": vote.code, "page": vote.page}
    return vote


def _send(code: str, keys: list[str], unit: str) -> None:
    values = [st.session_state.get(key) for key in keys]
    if any(value is None for value in values):
        _note("error", "Type a number in every field.")
        return
    try:
        said = votes.ballots().answer(code, session_token(), values)
    except votes.VoteError as error:
        _note("error", str(error))
        return
    _note("success", f"Recorded: {answer_label(said, unit)}. You can change it until the vote closes.")


def joined_here() -> bool:
    """Whether this tab joined a vote on the page running (its introduction then folds away, as in predict mode)."""
    joined = st.session_state.get(JOINED)
    return bool(joined) and joined["page"] == st.session_state.get(PAGE)


def _leave() -> None:
    st.session_state.pop(JOINED, None)


def _student(joined: dict, figure=None) -> bool:
    code = joined["code"]
    try:
        vote, mine = votes.ballots().seen_by(code, session_token())
    except votes.VoteError as error:
        st.warning(str(error), icon=":material/error:")
        return False
    question = vote.question
    st.html(STYLE)
    with st.container(border=True, key="vote_student"):
        st.markdown(f"**:material/how_to_vote: Class vote {code}.** {question.text}")
        if vote.closed:
            answer = answer_label(tuple(f.answer for f in question.fields), question.unit)
            said = "You did not answer." if mine is None else (
                f"You said {answer_label(mine, question.unit)}" + (": right." if question.right(mine) else "."))
            st.info(f"The vote is closed. The answer: **{answer}**. {said}", icon=":material/visibility:")
            st.markdown(question.explanation)
            st.button("Leave the vote", key="_vote_leave", on_click=_leave, type="tertiary")
            return True
        show_question_figure(figure)  # the configuration, nothing of the answer: the page shows that once closed
        keys = [f"_vote_field_{i}" for i in range(len(question.fields))]
        with st.form("_vote_form", border=False):
            with st.container(horizontal=True):
                for field, key in zip(question.fields, keys):
                    kind = int if field.whole else float  # Streamlit wants bounds and step of one type
                    st.number_input(field.label, min_value=kind(field.low), max_value=kind(field.high), value=None,
                                    step=1 if field.whole else 0.5, format="%d" if field.whole else "%.2f",
                                    placeholder="answer", key=key, width=240)
            st.form_submit_button("Send my answer" if mine is None else "Change my answer", type="primary",
                                  on_click=_send, args=(code, keys, question.unit))
        _show_note()
        if mine is not None:
            st.caption(f"Your answer: {answer_label(mine, question.unit)}. The lecturer reveals the answer when the "
                       "vote closes; this page shows it then.")
        else:
            st.caption("Answer on your own first: the page's figures and numbers appear when the lecturer reveals "
                       "the answer.")
        _watch(code)
    return False


@st.cache_data(ttl=STUDENT_REFRESH / 2, max_entries=256, show_spinner=False)
def _closed(code: str) -> bool:
    """Whether a vote is closed, asked of the database at most twice a refresh per server, not once per student."""
    return votes.ballots().find(code, any_state=True).closed


@st.fragment(run_every=STUDENT_REFRESH)
def _watch(code: str) -> None:
    """Whether the vote has closed: then the whole page runs again, the answer out."""
    try:
        closed = _closed(code)
    except votes.VoteError:
        return
    if closed:
        st.rerun(scope="app")


STYLE = """<style>
.st-key-vote_link [data-testid=stText] { font-size: 1rem; font-weight: 700; word-break: break-all; white-space: normal; }
.st-key-vote_code [data-testid=stText] { font-size: 4.2rem; font-weight: 800; letter-spacing: 0.35rem; line-height: 1.1;
                                          font-family: "Source Sans", sans-serif; }
.st-key-vote_count p { font-size: 1.5rem; font-weight: 700; }
.st-key-vote_student .katex-display, .st-key-vote_presenter .katex-display { overflow-x: auto; overflow-y: hidden; }
.st-key-_vote_start { position: fixed; top: 0.5rem; right: 7.2rem; z-index: 1000; width: auto; }
.st-key-_vote_start button { background: rgba(255, 255, 255, 0.92); color: #31333f; border: 1px solid rgba(128, 128, 128, 0.55);
                             border-radius: 0.5rem; padding: 0.25rem 0.7rem; min-height: 0; }
.st-key-_vote_start button p { font-size: 0.8rem; }
@media (max-width: 640px) { .st-key-vote_student .katex-display { font-size: 0.75em; } }  /* a phone: whole formulas */
</style>"""
