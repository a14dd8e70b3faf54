"""The controls a page is made of, each bound to the address (?key=value) so that a link reproduces
the view, and each page's ownership of them: a page opens at its lecture example unless its own link
says otherwise, and "Reset to the lecture's example" takes it back there.

Bounds are fixed: a slider whose bounds depend on another control would be a new widget, and reset,
whenever they change. Impossible combinations are explained by the engine instead.
"""

from __future__ import annotations

import streamlit as st

from . import links
from .links import BIND, checked, finite, link_value, not_taken, parses, seed

CLASSROOM_KEYS = ("present", "predict")  # the switches every page shares; everything else is a page's own


def _fit(key: str, fits, replacement) -> None:
    """A value this page's other controls have put out of a control's range (the entry of a volume
    that shrank) is replaced by `replacement(value)` before the control is made."""
    if key in st.session_state and not fits(st.session_state[key]):
        links.replace(key, replacement(st.session_state[key]))


def int_slider(label: str, key: str, low: int, high: int, default: int, help: str | None = None, where=None,
               disabled: bool = False, shows: int | None = None) -> int:
    """A whole-number slider. `shows`: a value an example fixes (the lecture's 6×6×16): the slider is then
    drawn greyed out at that value and returns it; set to custom again, the student's slider starts at
    `default` (a link's value for it is dropped while the example fixes it)."""
    if shows is not None:
        # another widget, keyed by the value it shows and bound to nothing, so the link never carries it
        (where or st.sidebar).slider(label, low, high, value=int(shows), step=1, key=f"_shows_{key}_{shows}",
                                     help=help, disabled=True)
        links.drop_from_address(key)
        return int(shows)
    return int(checked(label, key, lambda: (where or st.sidebar).slider(
        label, low, high, step=1, key=key, bind=BIND, help=help, disabled=disabled, **seed(key, value=default)),
        default, not_taken(f"a whole number from {low} to {high}")))


def choice(label: str, key: str, options, default, help: str | None = None, where=None, shows=None):
    """A select box. `shows`: a value an example fixes, drawn greyed out and returned (as int_slider's)."""
    if shows is not None:
        (where or st.sidebar).selectbox(label, [shows], key=f"_shows_{key}_{shows}", help=help, disabled=True)
        links.drop_from_address(key)
        return shows
    options = list(options)
    return checked(label, key, lambda: (where or st.sidebar).selectbox(
        label, options, key=key, bind=BIND, help=help, **seed(key, index=options.index(default))),
        default, not_taken("one of the choices in the list"))


def radio(label: str, key: str, options, default, where=None):
    """A row of radio buttons."""
    options = list(options)
    return checked(label, key, lambda: (where or st).radio(
        label, options, horizontal=True, key=key, bind=BIND, **seed(key, index=options.index(default))),
        default, not_taken("one of the choices offered"))


def steps_choice(label: str, key: str, options, default, help: str | None = None, where=None):
    """A select slider (a few named steps)."""
    options = list(options)
    names = ", ".join(str(o) for o in options)
    return checked(label, key, lambda: (where or st.sidebar).select_slider(
        label, options=options, key=key, bind=BIND, help=help, **seed(key, value=default)),
        default, not_taken(f"one of {names}"))


def checkbox(label: str, key: str, default: bool, help: str | None = None, where=None) -> bool:
    """A checkbox (?key=true or false)."""
    return bool(checked(label, key, lambda: (where or st.sidebar).checkbox(
        label, key=key, bind=BIND, help=help, **seed(key, value=default)), default, not_taken("true or false")))


def toggle(label: str, key: str, default: bool = False, help: str | None = None, where=None) -> bool:
    """A switch (?key=true or false)."""
    return bool(checked(label, key, lambda: (where or st.sidebar).toggle(
        label, key=key, bind=BIND, help=help, **seed(key, value=default)), default, not_taken("true or false")))


NUMBER_BOX_PX = 320  # a box for a few digits and its label, not the page's whole width


def whole_number(label: str, key: str, low: int, high: int, default: int, help: str | None = None, where=None) -> int:
    """A number box for a whole number whose bounds may follow the page's other controls."""
    def make():
        # Streamlit's number box fails (OverflowError, on every run) when it reads a link's 1e400 or a
        # 400-digit number: for such a link the box is not bound on its first run, so it does not read
        # it (it is bound from the next run on), and `checked`, which has read the value, says so
        _fit(key, lambda v: isinstance(v, (int, float)) and low <= v <= high,
             lambda v: min(max(int(v), low), high) if isinstance(v, (int, float)) else default)
        unreadable = any(not finite(v) for v in link_value(key) or [])
        return (where or st).number_input(label, min_value=low, max_value=high, step=1, key=key, width=NUMBER_BOX_PX,
                                          bind=None if unreadable else BIND, help=help, **seed(key, value=default))

    return int(checked(label, key, make, default, not_taken(f"a whole number from {low} to {high}")))


def parsed_text(label: str, key: str, default: str, parse, max_chars: int, help: str | None = None, where=None) -> str:
    """A text box whose text must parse (a custom kernel). Returns the text."""
    # the default only while the box has no value of its own: Streamlit warns when a box whose value was
    # set through st.session_state (a link's bad text replaced) is given one
    return checked(label, key, lambda: (where or st.sidebar).text_input(
        label, key=key, bind=BIND, max_chars=max_chars, help=help,
        **({} if key in st.session_state else {"value": default})), default, parses(parse))


# ---- the controls several pages share

SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}  # ms a step of the animation shows
OPERATIONS = {"cross-correlation": "correlation", "convolution": "convolution"}  # label -> engine operation
OPERATION_HELP = ("Cross-correlation slides the kernel as it is, as PyTorch and Keras do (and as this app does "
                  "elsewhere). Convolution in the signal-processing sense, as in scipy.signal.convolve2d, turns "
                  "the kernel by 180° first. The cost is the same either way.")
PADDING_MODES = {"valid": "valid (none)", "same": "same (output as large as the input, at stride 1)",
                 "full": "full (every overlap)"}


def padding_help(options: list[str]) -> str:
    """What the padding choices mean, naming only the modes offered."""
    modes = [PADDING_MODES[option] for option in options if option in PADDING_MODES]
    listed = "" if not modes else ", or " + (modes[0] if len(modes) == 1 else ", ".join(modes[:-1]) + " or " + modes[-1])
    return f"Zeros added around the input: a number per side{listed}."


def speed(speeds: dict[str, int] = SPEEDS) -> int:
    """The play speed, as milliseconds a step shows."""
    return speeds[steps_choice("Play speed", "speed", speeds, "normal")]


def padding(options: list[str], default: int | str = 0, shows: int | str | None = None) -> int | str:
    """The padding: a whole number of zeros per side, or "valid", "same" or "full" (`shows`: fixed by an
    example, greyed out)."""
    picked = choice("Padding", "pad", options, str(default), help=padding_help(options),
                    shows=None if shows is None else str(shows))
    return int(picked) if picked.isdigit() else picked


def operation(default: str = "correlation") -> str:
    """"correlation" (PyTorch's and Keras' convolution) or "convolution" (the kernel turned by 180°)."""
    label = next(label for label, value in OPERATIONS.items() if value == default)
    return OPERATIONS[choice("Operation", "op", OPERATIONS, label, help=OPERATION_HELP)]


# ---- each page owns its state

PAGE = "_page"  # the url path of the page the session ran last


def forget_page_state() -> None:
    """Drop every value a page's controls hold (and what its sections keep open), keeping the classroom
    switches: the page opens at its lecture example, and its address keeps no value of its own."""
    for key in list(st.session_state):
        if not key.startswith("_") and key not in CLASSROOM_KEYS:
            del st.session_state[key]
            links.drop_from_address(key)
    links.forget_notices()
    st.session_state[links.DEFAULTS] = {}


def own_page(url_path: str) -> None:
    """Called before a page runs: moving to another page leaves this page's values behind, so each page
    opens at its lecture example unless its own link says otherwise (a link opens a new session)."""
    previous = st.session_state.get(PAGE)
    st.session_state[PAGE] = url_path
    if previous is not None and previous != url_path:
        forget_page_state()


def reset_page() -> None:
    """Every control of the page back to its default. Set, not forgotten: Streamlit would read a
    forgotten control's value from the address again, where this page's values still are."""
    for key, default in st.session_state.get(links.DEFAULTS, {}).items():
        st.session_state[key] = default
    links.forget_notices()


def reset_button(where=None) -> None:
    """"Reset to the lecture's example": every control of the page back to its default. No help text:
    a button with one is wrapped in the tooltip element presenter mode hides."""
    (where or st.sidebar).button("Reset to the lecture's example", key="_reset", on_click=reset_page,
                                 icon=":material/restart_alt:", width="stretch")
