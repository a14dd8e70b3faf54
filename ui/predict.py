"""Predict, then reveal: a question about the configuration on screen before the page shows the answer.

app.py's toggle (key "predict") turns it on for every page.
"""

from __future__ import annotations

import hashlib
import numbers

import streamlit as st

from . import vote

PREDICT = "predict"


def ask_first(question: str, fields: list[tuple[str, float]], explanation: str, key: str, hint: str | None = None,
              figure=None) -> None:
    """In predict mode, the page stops at the question until it is answered (see predict)."""
    if not predict(question, fields, explanation, key=key, hint=hint, figure=figure):
        st.stop()


def predict_mode() -> bool:
    """Whether app.py's "Predict, then reveal" toggle is on."""
    return bool(st.session_state.get(PREDICT, False))


def _plain(value):
    """A number as a plain int or float (NumPy scalars included), for comparing and hashing."""
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def answer_text(value, unit: str = "") -> str:
    """A number as the feedback writes it: thousands separators, at most two decimals."""
    value = _plain(value)
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + unit


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _answers_text(labels, values, unit: str) -> str:
    if len(values) == 1:
        return answer_text(values[0], unit)
    return _listed([f"{_lower(label)} {answer_text(v, unit)}" for label, v in zip(labels, values)])


TRIES = 2  # a wrong first answer gets a hint and a second try; the second is followed by the reveal


def _record(state_key: str, widget_keys: list[str], reveal: bool, expected: list, tolerance: float) -> None:
    """A submit button's callback: keep what was answered (None for "Just show me"), and every wrong try."""
    tries = st.session_state.get(state_key, {}).get("tries", [])
    if reveal:
        st.session_state[state_key] = {"said": None, "tries": tries}
        return
    said = [st.session_state.get(k) for k in widget_keys]
    if any(v is None for v in said):
        st.session_state[state_key] = {"missing": True, "tries": tries}
        return
    right = all(abs(_plain(s) - e) <= tolerance for s, e in zip(said, expected))
    tries = tries if right else [*tries, said]
    done = right or len(tries) >= TRIES
    st.session_state[state_key] = {"said": said, "tries": tries} if done else {"tries": tries}


def directions(labels, said, expected, tolerance: float) -> str:
    """Which way each wrong answer is off: "too high" or "too low", field by field."""
    off = [f"{_lower(label) if len(labels) > 1 else 'it'} is too {'high' if _plain(s) > e else 'low'}"
           for label, s, e in zip(labels, said, expected) if abs(_plain(s) - e) > tolerance]
    right = [_lower(label) for label, s, e in zip(labels, said, expected) if abs(_plain(s) - e) <= tolerance]
    off = _listed(off)
    return (off[:1].upper() + off[1:] + (f"; the {_listed(right)} {'is' if len(right) == 1 else 'are'} right" if right
                                         else "") + ".")


def predict(question: str, fields: list[tuple[str, float]], explanation: str, key: str, tolerance: float = 0,
            unit: str = "", hint: str | None = None, figure=None) -> bool:
    """Ask for a prediction before the page reveals its answer; True once the page may go on.

    Mode off: returns True and draws nothing. Mode on: a bordered box with the question and one number
    field per (label, expected value). Until the student answers right, answers wrong twice, or gives up
    ("Just show me", which is also the lecturer's reveal for the room) it returns False and the page
    stops: a first wrong answer gets which way it is off and the page's `hint` (markdown), and a second
    try. Then it shows the feedback and the explanation (markdown, the page's formula with the numbers
    filled in) and returns True. What was answered is kept per question and expected values, so a new
    configuration asks anew. `figure` (a lesson's question_figure: the configuration, nothing of the answer)
    is drawn above the answer fields while the question is open.

    A class vote on this page (ui.vote) takes the question's place: the page stops until it is revealed.
    """
    voted = vote.run(question, fields, explanation, tolerance, unit, figure)
    if voted is not None:
        return voted
    if not predict_mode():
        return True
    labels = [label for label, _ in fields]
    expected = [_plain(value) for _, value in fields]
    digest = hashlib.sha1(repr((question, labels, expected)).encode()).hexdigest()[:12]
    state_key = f"predict-{key}-{digest}"
    state = st.session_state.get(state_key, {})
    with st.container(border=True):
        st.markdown(f"**:material/psychology_alt: Predict, then reveal.** {question}")
        if "said" not in state:
            vote.show_question_figure(figure)
            widget_keys = [f"{state_key}-{i}" for i in range(len(fields))]
            with st.form(f"{state_key}-form", border=False):
                with st.container(horizontal=True):
                    for label, value, widget_key in zip(labels, expected, widget_keys):
                        whole = isinstance(value, int)
                        st.number_input(label, min_value=0 if whole else 0.0, value=None, step=1 if whole else 0.5,
                                        format="%d" if whole else "%.2f", placeholder="answer", key=widget_key,
                                        width=240)
                with st.container(horizontal=True):
                    st.form_submit_button("Check my answer", type="secondary", on_click=_record,
                                          args=(state_key, widget_keys, False, expected, tolerance),
                                          key=f"{state_key}-check")
                    st.form_submit_button("Just show me", type="secondary", on_click=_record,
                                          args=(state_key, widget_keys, True, expected, tolerance),
                                          key=f"{state_key}-show")
            tries = state.get("tries", [])
            if tries and not state.get("missing"):
                last = tries[-1]
                st.warning(f"Not yet: you said {_answers_text(labels, last, unit)}. "
                           f"{directions(labels, last, expected, tolerance)}"
                           + (f" **Hint:** {hint}" if hint else "")
                           + f" One more try{'' if TRIES - len(tries) == 1 else 'es'}, or *Just show me*.",
                           icon=":material/lightbulb:")
            if state.get("missing"):
                st.warning("Type a number in every field, or press *Just show me*.", icon=":material/edit:")
            st.caption("The page's figures and numbers appear once you answer. Turn *Predict, then reveal* off in "
                       "the sidebar to see everything at once.")
            return False
        said = state["said"]
        answer = _answers_text(labels, expected, unit)
        if said is None:
            st.info(f"The answer: **{answer}**.", icon=":material/visibility:")
        else:
            right = [abs(_plain(s) - e) <= tolerance for s, e in zip(said, expected)]
            if all(right):
                close = "" if all(_plain(s) == e for s, e in zip(said, expected)) else \
                    f" You said {_answers_text(labels, said, unit)}; within ±{answer_text(tolerance)} counts as right."
                st.success(f"Right: **{answer}**.{close}", icon=":material/check_circle:")
            else:
                partly = "" if not any(right) else \
                    f" (the {_listed([_lower(label) for label, r in zip(labels, right) if r])} " \
                    f"{'was' if sum(right) == 1 else 'were'} right)"
                st.warning(f"Not quite: you said {_answers_text(labels, said, unit)}; the answer is **{answer}**"
                           f"{partly}.", icon=":material/lightbulb:")
            if all(right) and state.get("tries"):
                st.caption(f"Right on try {len(state['tries']) + 1}, after the hint.")
        st.markdown(explanation)
    return True
