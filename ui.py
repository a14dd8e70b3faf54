"""Streamlit helpers the pages share: controls bound to the URL, the error display, the header.

Kept apart from engine/ and viz/, which know nothing of Streamlit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import hashlib
import inspect
import math
import numbers
import os
import re
import threading
from pathlib import Path

import streamlit as st

import viz
from engine import ConvConfigError
from viz import export, presentation

BIND = "query-params"


def require_navigation() -> None:
    """Make sure the page runs inside app.py's st.navigation.

    A server whose app folder has a pages/ directory starts in Streamlit's older multipage mode,
    in which a deep link (/convolution) runs the page file alone: no page config, the sidebar
    listing file names. app.py's st.navigation switches the server to the newer mode, but only
    once it has run. A page that finds itself run alone switches the mode and reruns, so that
    the first visitor's deep link works too.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the older mode
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def header(title: str, intro: str) -> None:
    require_navigation()
    st.title(title)
    # In presenter mode the lecturer says it and the animation gets the room; when predicting, the
    # introduction may give the answer away (the lecture's 81 against 72)
    if presenter() or st.session_state.get("predict", False):
        with st.expander("About this page"):
            st.markdown(intro)
    else:
        st.markdown(intro)


def link_value(key: str) -> list[str] | None:
    """The values a link gives a control, when this run is the control's first (so the link sets it)."""
    if key in st.session_state:
        return None
    return st.query_params.get_all(key) or None


_DECIMAL_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def _same(raw: str, value) -> bool:
    """Whether a URL text is the value a control took from it (5 and "5", True and "true"). Numbers
    are taken only in ASCII digits: Python reads "９" (full-width) as 9, which a link should not pass
    off silently."""
    if isinstance(value, bool):
        return raw.strip().lower() == str(value).lower()
    if isinstance(value, (int, float)):
        return _DECIMAL_TEXT.fullmatch(raw) is not None and float(raw) == float(value)
    return raw == str(value)


def _literal(text: str) -> str:
    """Text shown exactly as given, as inline code: markdown reads nothing inside a code span (no
    link, emphasis, HTML, LaTeX, emoji or icon shortcode, no "->" made an arrow). Line breaks and
    control characters become spaces; the fence is longer than any run of backticks in the text."""
    text = "".join(c if c.isprintable() else " " for c in text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _escaped(text: str) -> str:
    """A message that may quote what a student typed (the engine quotes it as a string literal, in
    straight double quotes with \\" and \\\\ escaped: 'row 1: "x" is not a number'): the quotations
    shown as typed, as code, and every markdown or HTML character of the rest escaped."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', "".join(c if c.isprintable() else " " for c in text))
    return "".join(_literal(re.sub(r"\\(.)", r"\1", part)) if i % 2 else
                   re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:&\"'=@/])", r"\\\1", part) for i, part in enumerate(parts))


def _shown(raw: list[str]) -> str:
    """A URL value quoted for a message: short (cut to 40 characters) and shown exactly as given."""
    text = " and ".join(raw)
    return _literal(text if len(text) <= 40 else text[:40] + "…")


LINK_NOTICES = "_link_notices"  # key -> the notice about the link's value for that control
LINK_RERUN = "_link_rerun"  # set when handling a link's value reruns the page


def _notice(key: str, message: str | None = None) -> None:
    """Show the notice about a link's value for `key` (given now, or earlier in the link's handling).

    Handling a link can rerun the page (a value a control took only in part); the notices shown
    before that rerun are kept and shown again after it, so a link with several bad values names
    every one. The next run the user starts forgets them (see classroom_controls)."""
    notices = st.session_state.setdefault(LINK_NOTICES, {})
    if message is not None:
        notices[key] = message
    if key in notices:
        st.warning(notices[key], icon=":material/link_off:")


def _rerun_for_link() -> None:
    st.session_state[LINK_RERUN] = True
    st.rerun()


def link_notice(label: str, key: str, raw: list[str], expected: str, used) -> str:
    """The message for a link's value that a control could not take: what it needs, what is shown."""
    if isinstance(used, bool):
        used = "on" if used else "off"
    elif isinstance(used, (int, float)):
        used = viz.number(used)
    repeated = " (given more than once)" if len(raw) > 1 else ""
    return (f"**The link's value for “{label}” was not used.** `{key}=` {_shown(raw)}{repeated} is not "
            f"{expected}; showing **{used}** instead. Change it with the control, or fix the link.")


def checked(label: str, key: str, expected: str, make, default=None):
    """Create a URL-bound control with `make()`, and notice a link value it could not take.

    A value the control took only in part (2.5 for a whole number becomes 2) is replaced by the
    default on a rerun straight after: a link's value wins over st.session_state on the first run."""
    pending = st.session_state.pop(f"_link_notice_{key}", None)
    if pending is not None:
        st.session_state[key] = default
        st.session_state[f"_link_reset_{key}"] = True
        _drop_from_address(key)
    raw = link_value(key)
    value = make()
    if raw is not None and (len(raw) > 1 or not _same(raw[0], value)):
        message = link_notice(label, key, raw, expected, default if default is not None else value)
        if default is not None and value != default:
            st.session_state[f"_link_notice_{key}"] = message
            _rerun_for_link()
        _notice(key, message)
    else:
        _notice(key, pending)
    return value


def _drop_from_address(key: str) -> None:
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


def _seed(key: str, **initial) -> dict:
    """The initial value for a control, except on the run where a link's bad value is replaced through
    st.session_state (Streamlit warns when a control gets both). Every other run passes it: a control
    created without one would fall back to its minimum when a rerun interrupted the run before."""
    return {} if st.session_state.pop(f"_link_reset_{key}", False) else initial


def _carried(key: str, fits, replacement) -> None:
    """Pages share control names (h, w, pad, ...), and a value carries over when the student switches
    pages: a height of 12 reaches a page whose height goes to 8, where Streamlit would raise. Such a
    value is replaced by `replacement(value)` before the control is made. Sliders and lists use this
    page's default: the nearest end could be a size the page's other defaults cannot compute (a
    height of 1 from Flattening is 2 here, under a 3×3 kernel), while the defaults always work
    together. whole_number, whose bounds follow the page's own sizes, uses the nearest end."""
    if key in st.session_state and not fits(st.session_state[key]):
        st.session_state[key] = replacement(st.session_state[key])
        st.session_state[f"_link_reset_{key}"] = True


def int_slider(label: str, key: str, low: int, high: int, default: int, help: str | None = None, where=None,
               disabled: bool = False) -> int:
    """A whole-number slider whose value is in the URL (?key=value), so a link reproduces the view.

    Bounds are fixed: a slider whose bounds depend on another control would be a new widget, and
    reset, whenever they change. Impossible combinations are explained by the engine instead.
    """
    _carried(key, lambda v: isinstance(v, (int, float)) and low <= v <= high, lambda v: default)
    return int(checked(label, key, f"a whole number from {low} to {high}",
                       lambda: (where or st.sidebar).slider(label, low, high, step=1, key=key, bind=BIND, help=help,
                                                            disabled=disabled, **_seed(key, value=default)),
                       default))


def choice(label: str, key: str, options, default, help: str | None = None, where=None):
    """A select box bound to the URL."""
    options = list(options)
    _carried(key, lambda v: v in options, lambda v: default)
    return checked(label, key, "one of the choices in the list",
                   lambda: (where or st.sidebar).selectbox(label, options, key=key, bind=BIND, help=help,
                                                           **_seed(key, index=options.index(default))), default)


def steps_choice(label: str, key: str, options, default, help: str | None = None, where=None):
    """A select slider (a few named steps) bound to the URL."""
    options = list(options)
    _carried(key, lambda v: v in options, lambda v: default)
    names = ", ".join(str(o) for o in options)
    return checked(label, key, f"one of {names}",
                   lambda: (where or st.sidebar).select_slider(label, options=options, key=key, bind=BIND, help=help,
                                                               **_seed(key, value=default)), default)


def checkbox(label: str, key: str, default: bool, help: str | None = None, where=None) -> bool:
    """A checkbox bound to the URL (?key=true or false)."""
    return bool(checked(label, key, "true or false",
                        lambda: (where or st.sidebar).checkbox(label, key=key, bind=BIND, help=help,
                                                               **_seed(key, value=default)),
                        default))


def toggle(label: str, key: str, default: bool = False, help: str | None = None, where=None) -> bool:
    """A switch bound to the URL (?key=true or false)."""
    return bool(checked(label, key, "true or false",
                        lambda: (where or st.sidebar).toggle(label, key=key, bind=BIND, help=help, **_seed(key, value=default)),
                        default))


def whole_number(label: str, key: str, low: int, high: int, default: int, help: str | None = None, where=None) -> int:
    """A number box for a whole number bound to the URL."""
    def make():
        # Streamlit's number box fails (OverflowError, on every run) when it reads a link's 1e400 or a
        # 400-digit number: for such a link the box is not bound on its first run, so it does not read
        # it (it is bound from the next run on), and `checked`, which has read the value, says so
        _carried(key, lambda v: isinstance(v, (int, float)) and low <= v <= high,
                 lambda v: min(max(int(v), low), high) if isinstance(v, (int, float)) else default)
        unreadable = any(not _finite(v) for v in link_value(key) or [])
        return (where or st).number_input(label, min_value=low, max_value=high, step=1, key=key,
                                          bind=None if unreadable else BIND, help=help, **_seed(key, value=default))

    return int(checked(label, key, f"a whole number from {low} to {high}", make, default))


def _finite(text: str) -> bool:
    """False for a number too large for a float (1e400, inf); True for anything else, letters too."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True


def parsed_text(label: str, key: str, default: str, parse, max_chars: int, help: str | None = None, where=None):
    """A text box bound to the URL whose text must parse (a custom kernel): a link with text that
    does not parse gets a notice and the default, as a tampered link should. Typed text that does
    not parse is the page's to explain. Returns the text.

    A link's value wins over st.session_state on the control's first run, so the default is put
    in on a rerun straight after it."""
    pending = st.session_state.pop(f"_link_notice_{key}", None)
    if pending is not None:
        st.session_state[key] = default
    raw = link_value(key)
    kwargs = {} if key in st.session_state else {"value": default}
    text = (where or st.sidebar).text_input(label, key=key, bind=BIND, max_chars=max_chars, help=help, **kwargs)
    if raw is not None:
        try:
            if len(raw) > 1:
                raise ConvConfigError("it is given more than once.")
            parse(raw[0])
        except ConvConfigError as error:
            st.session_state[f"_link_notice_{key}"] = (
                f"**The link's value for “{label}” was not used.** `{key}=` {_shown(raw)}: "
                f"{_escaped(str(error).rstrip('.'))}. Showing the default, `{default}`, instead.")
            _rerun_for_link()
    _notice(key, pending)
    return text


def explain(error: ConvConfigError) -> None:
    """An impossible configuration: what is wrong and how to fix it, never a traceback. The engine's
    message may quote what the student typed (a custom kernel's "**2**"): shown as typed, never
    rendered as markdown, HTML or LaTeX."""
    st.error(f"**This configuration cannot be computed.** {_escaped(str(error))}", icon=":material/error:")


def show_chart(figure, key: str) -> None:
    """Draw a figure. An animation opens at the step the link names, is enlarged in presenter mode,
    and has its current step written out in words under it."""
    animated = presentation.is_animated(figure)
    step = start_step(figure, key) if animated else 0
    if step:
        figure = presentation.start_at(figure, step)
    shown = presentation.enlarge(figure, PRESENTER_SCALE) if presenter() else figure
    st.plotly_chart(shown, width="stretch", theme=None, key=key,
                    config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    if animated:
        step_text(figure, key, step)
        export_button(figure, key)  # at the size a screen shows it, not the projector's


WRAP_WIDTHS = (10, 11, 12, 14, 22, 26, 28, 34)  # rem; assets/columns.css has a rule for each


def wrapping_columns(spec, key: str, min_rem: int, gap: str = "large"):
    """st.columns that stack, one under the other at full width, when the page cannot give each at
    least `min_rem` rem (Streamlit's own columns stack only on a phone). In rem, so presenter mode's
    larger text asks for wider columns too. Returns the columns, as st.columns does. The rules are
    assets/columns.css, loaded on every page by classroom_controls."""
    if min_rem not in WRAP_WIDTHS:
        raise ValueError(f"wrapping_columns: {min_rem} rem has no rule in assets/columns.css ({WRAP_WIDTHS})")
    with st.container(key=f"wrap{min_rem}_{key}"):  # apart from the controls' keys
        return st.columns(spec, gap=gap)


# ---------------------------------------------------------------- the classroom: steps, presenter mode, links

PRESENTER_SCALE = 1.35  # charts in presenter mode; the page's text grows by PRESENTER_CSS's root size
TRANSCRIPT_STEPS = 60  # steps written out in the "every step as text" list; the rest are downloadable
ASSETS = Path(__file__).resolve().parent / "assets"


def presenter() -> bool:
    return bool(st.session_state.get("present", False))


def step_parameter(key: str) -> str:
    """The URL parameter holding an animation's step: "step" for a page's main scan."""
    return "step" if key == "scan" else f"step_{key}"


def start_step(figure, key: str) -> int:
    """The step (0-based) a link asks this animation to open at; a bad value gets a notice.

    The link's step applies once, to the view the link opened: the parameter is then dropped, so a
    changed configuration starts at its first step. "Copy link to this view" writes the step the
    animation shows at that moment."""
    name = step_parameter(key)
    raw = st.query_params.get_all(name)
    if not raw:
        return 0
    del st.query_params[name]
    steps = presentation.step_count(figure)
    value = raw[0].strip()
    # ASCII digits only, and few: int() fails on "²" (a digit to isdigit) and on 5,000 digits
    if len(raw) == 1 and value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= steps:
        return int(value) - 1
    _notice(name, f"**The link's animation step was not used.** `{name}=` {_shown(raw)} is not a step of this "
                  f"animation, which has steps 1 to {steps}; it starts at step 1.")
    return 0


def step_text(figure, key: str, step: int) -> None:
    """The current step in words under the animation (kept current by the page script as the
    animation moves, and announced to screen readers), and every step as text for reading later."""
    st.container(key=f"steptext_{key}").caption(presentation.step_texts(figure, [step])[0])
    # Written, and sent, only while open (opening it reruns the page): most reruns leave it closed.
    # The label stays the same, so a new configuration keeps it open.
    transcript = st.expander("Every step as text", key=f"steps_open_{key}", on_change="rerun")
    if not transcript.open:
        return
    texts = presentation.step_texts(figure)
    with transcript:
        shown = texts[:TRANSCRIPT_STEPS]
        st.caption(f"{len(texts):,} steps")
        st.text("\n".join(shown))
        if len(texts) > len(shown):
            st.caption(f"… and {len(texts) - len(shown):,} more steps, all in the file below.")
            st.download_button("Download every step as text", data=lambda: "\n".join(texts).encode(),
                               file_name=f"{key}-steps.txt", mime="text/plain", on_click="ignore",
                               key=f"transcript_{key}", icon=":material/description:")


@st.cache_resource(show_spinner=False)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


GC_GROWTH_BYTES = 4 * 2**20  # the process may grow by this much between full garbage collections
_after_collection = [0]
_collection = threading.Lock()


def _rss() -> int:
    """This process's resident memory in bytes (Linux), 0 where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def collect_garbage_when_grown() -> None:
    """A full garbage collection after a rerun once the process has grown by GC_GROWTH_BYTES since
    the last one (every rerun where memory cannot be read).

    Streamlit's own after every rerun is off (.streamlit/config.toml): on a server holding a class's
    figures it was 45% of the CPU. Without any, objects caught in reference cycles wait for Python's
    own full collection, which comes only once the heap has grown by a quarter. Growth is what
    garbage costs, so growth is what triggers a collection: a busy server collects every few
    seconds, a quiet one hardly ever, and either stays within a few MiB of what it uses."""
    rss = _rss()
    if rss and rss - _after_collection[0] < GC_GROWTH_BYTES:
        return
    if not _collection.acquire(blocking=False):
        return
    try:
        gc.collect()
        _release_free_memory()
        _after_collection[0] = _rss()
    finally:
        _collection.release()


@functools.cache
def _libc():
    """glibc, or None where the C library is another (musl, macOS) or cannot be loaded."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _release_free_memory() -> None:
    """Give the memory the C allocator holds free back to the system. Sessions run in threads of
    their own, each allocating in its own glibc arena; what one frees inside an arena (an image
    filtered for a student) is kept for reuse, not returned, unless it is trimmed."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def classroom_controls(page=None) -> None:
    """The switches every page shares (in the sidebar, under the page list), the link button, and
    the page script: keyboard stepping and the step in words. Called by app.py before the page runs."""
    if page is not None:
        st.session_state["_page_title"] = page.title
    if not st.session_state.pop(LINK_RERUN, False):  # a run the user started: the link's notices were read
        st.session_state[LINK_NOTICES] = {}
    bar = st.sidebar
    toggle("Presenter mode", "present", help="Larger text, numbers and charts for a projector. "
                                             "Step the animation with ← and → (Home and End for the ends).")
    toggle("Predict, then reveal", "predict", help="Answer a question about the current configuration "
                                                   "before the page shows the answer and the animation.")
    bar.html(_asset("classroom.html"), unsafe_allow_javascript=True)
    st.html(f"<style>{_asset('columns.css')}</style>")
    if presenter():
        st.html(f"<style>{_asset('presenter.css')}</style>")


# ---- "Predict, then reveal": a question before the answer (app.py's toggle, key "predict")

PREDICT = "predict"


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


def _record(state_key: str, widget_keys: list[str], reveal: bool) -> None:
    """A submit button's callback: keep what was answered (None for "Just show me")."""
    if reveal:
        st.session_state[state_key] = {"said": None}
        return
    said = [st.session_state.get(k) for k in widget_keys]
    st.session_state[state_key] = {"missing": True} if any(v is None for v in said) else {"said": said}


def predict(question: str, fields: list[tuple[str, float]], explanation: str, key: str, tolerance: float = 0,
            unit: str = "") -> bool:
    """Ask for a prediction before the page reveals its answer; True once the page may go on.

    Mode off: returns True and draws nothing. Mode on: a bordered box with the question and one number
    field per (label, expected value). Until the student answers ("Check my answer") or gives up ("Just
    show me") it returns False and the page stops. Then it shows the feedback and the explanation
    (markdown, the page's formula with the numbers filled in) and returns True. What was answered is
    kept per question and expected values, so a new configuration asks anew.
    """
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
                                          args=(state_key, widget_keys, False), key=f"{state_key}-check")
                    st.form_submit_button("Just show me", type="secondary", on_click=_record,
                                          args=(state_key, widget_keys, True), key=f"{state_key}-show")
            if state.get("missing"):
                st.warning("Type a number in every field, or press *Just show me*.", icon=":material/edit:")
            st.caption("The chart and the numbers appear once you answer. Turn *Predict, then reveal* off in the "
                       "sidebar to see everything at once.")
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
        st.markdown(explanation)
    return True


# ---------------------------------------------------------------- offline export of an animation


def page_name() -> str:
    """The current page's title, as app.py's navigation names it ("Animation" without one)."""
    return st.session_state.get("_page_title", "")


def export_button(figure, key: str) -> None:
    """A button that downloads the animation as one HTML file which plays offline (plotly.js inside).

    The file (about 5 MB, mostly plotly.js) is built only when the button is clicked: Streamlit
    runs the callable then, on a thread of its own, and on_click="ignore" spares the page a rerun.
    Nothing mutates a figure once drawn, so reading it from that thread is safe.
    """
    page = page_name()
    title = f"{page} animation" if page else "Animation"
    st.download_button("Download this animation (HTML, plays offline)",
                       data=lambda: export.standalone_html(figure, title),
                       file_name=f"{(page or 'app').lower().replace(' ', '-')}-{key}-animation.html", mime="text/html", on_click="ignore",
                       key=f"export-{key}", icon=":material/download:",
                       help="One HTML file with plotly.js inside: it opens from disk and plays with no network. "
                            "For a picture of the current step, use the chart's camera button.")


SHOW_CODE = "show_code"  # the "Show the code" expander's key: True while it is open


@functools.lru_cache(maxsize=16)
def source_text(function) -> str:
    """A function's source, read once (inspect tokenizes the whole file on every call)."""
    return inspect.getsource(function)


def show_code(caption: str, code, title: str = "Show the code: NumPy, PyTorch, Keras", names=None,
              source=None) -> None:
    """The current configuration as code to copy: one tab per (name, text) of what `code()` returns
    (named `names` if given), and optionally the app's own function, `source` = (tab name, note,
    function).

    The code is written, and sent, only while the expander is open: opening it reruns the page.
    Most reruns (a class moving sliders) leave it closed, and its tabs were a fifth of a page's
    elements. A page opens with it closed.
    """
    expander = st.expander(title, icon=":material/code:", key=SHOW_CODE, on_change="rerun")
    if not expander.open:
        return
    entries = code().items()
    if any("rng.integers(" in text for _, text in entries):
        caption += (" Arrays too large to write out are random whole numbers in the code, so the numbers it "
                    "prints differ from the page's; the shapes and the counts are the same.")
    with expander:
        st.caption(caption + " Neither framework is needed to run this app.")
        tab_names = list(names or [name for name, _ in entries]) + ([source[0]] if source else [])
        tabs = st.tabs(tab_names)
        for tab, (_, text) in zip(tabs, entries):
            tab.code(text, language="python")
        if source:
            with tabs[-1]:
                st.markdown(source[1])
                st.code(source_text(source[2]), language="python")
