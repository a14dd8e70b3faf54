"""Charts on a page: an animation opens at the step its link names, grows in presenter mode, has its
step written out in words under it and a button to download it; columns that stack when narrow."""

from __future__ import annotations

import streamlit as st

from engine import ConvConfigError
from viz import export, presentation

from .classroom import PRESENTER_SCALE, page_name, presenter
from .links import notice
from .text import escaped, shown

TRANSCRIPT_STEPS = 60  # steps written out in the "every step as text" list; the rest are downloadable


def built(make):
    """What `make()` builds (a lesson); an impossible configuration is explained instead, and the page
    stops there."""
    try:
        return make()
    except ConvConfigError as error:
        explain(error)
        st.stop()


def explain(error: ConvConfigError) -> None:
    """An impossible configuration: what is wrong and how to fix it, never a traceback. The engine's
    message may quote what the student typed (a custom kernel's "**2**"): shown as typed, never
    rendered as markdown, HTML or LaTeX."""
    st.error(f"**This configuration cannot be computed.** {escaped(str(error))}", icon=":material/error:")


def show_chart(figure, key: str, wide_screen: bool = False) -> None:
    """Draw a figure. An animation opens at the step the link names, is enlarged in presenter mode
    (for wide screens alone if only they show it: `wide_screen`), and has its current step written
    out in words under it."""
    animated = presentation.is_animated(figure)
    step = start_step(figure, key) if animated else 0
    if step:
        figure = presentation.start_at(figure, step)
    drawn = presentation.enlarge(figure, PRESENTER_SCALE, wide_screen) if presenter() else figure
    st.plotly_chart(drawn, width="stretch", theme=None, key=key,
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


NARROW = "__narrow"  # a chart key's ending for the narrow screens' layout of an animation (lessons.blocks.ByWidth)


def step_parameter(key: str) -> str:
    """The URL parameter holding an animation's step: "step" for a page's main scan. The two layouts of
    one animation ("scan" and "scan__narrow") share it: a link opens either at its step."""
    key = key.removesuffix(NARROW)
    return "step" if key == "scan" else f"step_{key}"


def start_step(figure, key: str) -> int:
    """The step (0-based) a link asks this animation to open at; a bad value gets a notice.

    The link's step applies once, to the view the link opened: the parameter is then dropped, so a
    changed configuration starts at its first step. "Copy link to this view" writes the step the
    animation shows at that moment. A bad value gets one notice, from the layout that removes it."""
    name, narrow = step_parameter(key), key.endswith(NARROW)
    raw = st.query_params.get_all(name)
    if not raw:
        return 0
    if not narrow:  # the narrow layout is drawn first and leaves the step to the wide one
        del st.query_params[name]
    steps = presentation.step_count(figure)
    value = raw[0].strip()
    # ASCII digits only, and few: int() fails on "²" (a digit to isdigit) and on 5,000 digits
    if len(raw) == 1 and value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= steps:
        return int(value) - 1
    if narrow:
        return 0
    notice(name, f"**The link's animation step was not used.** `{name}=` {shown(raw)} is not a step of this "
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
