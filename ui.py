"""Streamlit helpers the pages share: controls bound to the URL, the error display, the header.

Kept apart from engine/ and viz/, which know nothing of Streamlit.
"""

from __future__ import annotations

import streamlit as st

from engine import ConvConfigError

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
    st.markdown(intro)


def int_slider(label: str, key: str, low: int, high: int, default: int, help: str | None = None, where=None,
               disabled: bool = False) -> int:
    """A whole-number slider whose value is in the URL (?key=value), so a link reproduces the view.

    Bounds are fixed: a slider whose bounds depend on another control would be a new widget, and
    reset, whenever they change. Impossible combinations are explained by the engine instead.
    """
    return int((where or st.sidebar).slider(label, low, high, default, step=1, key=key, bind=BIND, help=help,
                                            disabled=disabled))


def choice(label: str, key: str, options, default, help: str | None = None, where=None):
    """A select box bound to the URL."""
    options = list(options)
    return (where or st.sidebar).selectbox(label, options, index=options.index(default), key=key, bind=BIND,
                                           help=help)


def steps_choice(label: str, key: str, options, default, help: str | None = None, where=None):
    """A select slider (a few named steps) bound to the URL."""
    return (where or st.sidebar).select_slider(label, options=list(options), value=default, key=key, bind=BIND,
                                               help=help)


def explain(error: ConvConfigError) -> None:
    """An impossible configuration: what is wrong and how to fix it, never a traceback."""
    st.error(f"**This configuration cannot be computed.** {error}", icon=":material/error:")


def show_chart(figure, key: str) -> None:
    st.plotly_chart(figure, width="stretch", theme=None, key=key,
                    config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
