"""What every page shares in a classroom: the header, presenter mode, the page script (keyboard
stepping, the step in words) and the style sheets. app.py calls classroom_controls before a page runs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from . import links
from .controls import own_page, reset_button, toggle
from .predict import predict_mode
from .vote import joined_here

PRESENTER_SCALE = 1.35  # charts in presenter mode; the page's text grows by presenter.css's root size
ASSETS = Path(__file__).resolve().parent.parent / "assets"


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
    """The page's title and its introduction (folded away in presenter mode, where the lecturer says
    it, and when predicting or in a class vote, where it may give the answer away)."""
    require_navigation()
    if presenter():  # one compact row: the projector's height is for the animation
        title_column, about_column = st.columns([2, 3], vertical_alignment="center")
        title_column.title(title)
        with about_column.expander("About this page"):
            st.markdown(intro)
        return
    st.title(title)
    if predict_mode() or joined_here():
        with st.expander("About this page"):
            st.markdown(intro)
    else:
        st.markdown(intro)


def presenter() -> bool:
    return bool(st.session_state.get("present", False))


def presenting() -> bool:
    """Presenter mode before its switch is drawn (for the page config, the first thing a run sends): as the
    switch left it, or on a link's first run as the link asks (?present=true)."""
    if "present" in st.session_state:
        return presenter()
    return st.query_params.get("present", "").strip().lower() == "true"


def page_name() -> str:
    """The current page's title, as app.py's navigation names it ("" before one ran)."""
    return st.session_state.get("_page_title", "")


@st.cache_resource(show_spinner=False)
def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def classroom_controls(page) -> None:
    """The switches every page shares (in the sidebar, under the page list), and the page script:
    keyboard stepping and the step in words. A page that was not the session's last opens at its
    lecture example."""
    own_page(page.url_path)
    st.session_state["_page_title"] = page.title
    links.start_run()
    toggle("Presenter mode", "present", help="Larger text, numbers and charts for a projector. "
                                             "Step the animation with ← and → (Home and End for the ends).")
    toggle("Predict, then reveal", "predict", help="Answer a question about the current configuration "
                                                   "before the page shows the answer and the animation.")
    if page.url_path:  # every page but the welcome, which has no controls
        reset_button()
    st.sidebar.html(asset("classroom.html"), unsafe_allow_javascript=True)
    st.html(f"<style>{asset('columns.css')}</style>")
    if presenter():
        st.html(f"<style>{asset('presenter.css')}</style>")
