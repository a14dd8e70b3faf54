"""Controls bound to the address: a link reproduces a view, and a link's value a control cannot take
gets a notice (what it needs, what is shown instead), never a traceback.

A link's value wins over st.session_state on a control's first run; a value the control took only in
part (2.5 for a whole number becomes 2) is replaced by the page's default on a rerun straight after.
"""

from __future__ import annotations

import math

import streamlit as st

import viz
from engine import ConvConfigError
from engine.separable import DECIMAL

from .text import escaped, literal, shown

BIND = "query-params"
NOTICES = "_link_notices"  # key -> the notice about the link's value for that control
RERUN = "_link_rerun"  # set when handling a link's value reruns the page
DEFAULTS = "_defaults"  # key -> the default of each control the page has made


def link_value(key: str) -> list[str] | None:
    """The values a link gives a control, when this run is the control's first (so the link sets it)."""
    if key in st.session_state:
        return None
    return st.query_params.get_all(key) or None


def same_value(raw: str, value) -> bool:
    """Whether a URL text is the value a control took from it (5 and "5", True and "true"). Numbers
    are taken only in ASCII digits: Python reads "９" (full-width) as 9, which a link should not pass
    off silently."""
    if isinstance(value, bool):
        return raw.strip().lower() == str(value).lower()
    if isinstance(value, (int, float)):
        return DECIMAL.fullmatch(raw.strip()) is not None and float(raw) == float(value)
    return raw == str(value)


def notice(key: str, message: str | None = None) -> None:
    """Show the notice about a link's value for `key` (given now, or earlier in the link's handling).

    Handling a link can rerun the page; the notices shown before that rerun are kept and shown again
    after it, so a link with several bad values names every one. The next run the user starts forgets
    them (start_run)."""
    notices = st.session_state.setdefault(NOTICES, {})
    if message is not None:
        notices[key] = message
    if key in notices:
        st.warning(notices[key], icon=":material/link_off:")


def start_run() -> None:
    """Called before a page runs: a run the user started (not one a link's handling asked for) has
    read the link's notices, which are then forgotten."""
    if not st.session_state.pop(RERUN, False):
        st.session_state[NOTICES] = {}


def _rerun_for_link() -> None:
    st.session_state[RERUN] = True
    st.rerun()


def link_notice(label: str, key: str, raw: list[str], problem: str, used) -> str:
    """The message for a link's value that a control could not take: what is wrong, what is shown."""
    if isinstance(used, bool):
        used = "on" if used else "off"
    elif isinstance(used, (int, float)):
        used = viz.number(used)
    return (f"**The link's value for “{label}” was not used.** `{key}=` {shown(raw)} {problem}; showing the "
            f"default, {literal(str(used))}, instead. Change it with the control, or fix the link.")


def not_taken(expected: str):
    """The usual check of a link's value: the control must have taken it as written (not 2 for 2.5)."""
    return lambda raw, value: None if same_value(raw, value) else f"is not {expected}"


def parses(parse):
    """The check of a link's text that must parse (`parse` raises ConvConfigError otherwise)."""
    def problem(raw: str, value) -> str | None:
        try:
            parse(raw)
        except ConvConfigError as error:
            return f"cannot be used: {escaped(str(error).rstrip('.'))}"
        return None

    return problem


def checked(label: str, key: str, make, default, problem):
    """Create a URL-bound control with `make()`, and notice a link value it could not take:
    `problem(raw text, the control's value)` says what is wrong with it, None when nothing is.

    A value the control took only in part (2.5 for a whole number becomes 2), or text that does not
    parse, is replaced by the default on a rerun straight after: a link's value wins over
    st.session_state on the control's first run."""
    st.session_state.setdefault(DEFAULTS, {})[key] = default
    pending = st.session_state.pop(f"_link_notice_{key}", None)
    if pending is not None:
        replace(key, default)
        drop_from_address(key)
    raw = link_value(key)
    value = make()
    wrong = None if raw is None else "is given more than once" if len(raw) > 1 else problem(raw[0], value)
    if wrong is None:
        notice(key, pending)
        return value
    message = link_notice(label, key, raw, wrong, default)
    if value != default:
        st.session_state[f"_link_notice_{key}"] = message
        _rerun_for_link()
    notice(key, message)
    return value


def drop_from_address(key: str) -> None:
    """Take a control's parameter out of the address bar, as Streamlit does for a default value.

    A value set through st.session_state does not reach the address, which would keep the link's
    truncated value (kh=2 for 2.5) and pass it on in a copied link. st.query_params refuses to
    change a bound parameter, so this uses the binding's own call (Streamlit 1.67; if it is gone, the
    address keeps the value and the notice still says what is shown)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        with get_script_run_ctx().session_state.query_params() as params:
            params.remove_param(key)
    except Exception:  # noqa: BLE001  (an internal API: never worth a traceback)
        pass


def replace(key: str, value) -> None:
    """Give a control `value` through st.session_state before it is made (seed then gives it no initial
    value, which Streamlit would warn about)."""
    st.session_state[key] = value
    st.session_state[f"_link_reset_{key}"] = True


def forget_notices() -> None:
    """Forget the notices about a link's values, those waiting for a rerun included."""
    for key in [key for key in st.session_state if key.startswith(("_link_notice_", "_link_reset_"))]:
        del st.session_state[key]
    st.session_state[NOTICES] = {}


def seed(key: str, **initial) -> dict:
    """The initial value for a control, except on the run where a link's bad value is replaced through
    st.session_state (Streamlit warns when a control gets both). Every other run passes it: a control
    created without one would fall back to its minimum when a rerun interrupted the run before."""
    return {} if st.session_state.pop(f"_link_reset_{key}", False) else initial


def finite(text: str) -> bool:
    """False for a number too large for a float (1e400, inf); True for anything else, letters too."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True
