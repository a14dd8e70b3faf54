"""Show the code: the configuration on screen as NumPy, PyTorch and Keras code to copy (codegen writes it)."""

from __future__ import annotations

import functools
import inspect

import streamlit as st

SHOW_CODE = "show_code"  # the "Show the code" expander's key: True while it is open


@functools.lru_cache(maxsize=16)
def source_text(function) -> str:
    """A function's source, read once (inspect tokenizes the whole file on every call)."""
    return inspect.getsource(function)


NOTATION = (" The page writes volumes H×W×C and counts from 1, as the lecture does; the NumPy and PyTorch "
            "code holds them channels first, C × H × W (Keras channels last, H × W × C), and indexes from 0.")


def show_code(caption: str, code, title: str = "Show the code: NumPy, PyTorch, Keras", names=None,
              source=None) -> None:
    """The current configuration as code to copy: one tab per (name, text) of what `code()` returns
    (named `names` if given), and optionally the app's own function, `source` = (tab name, note,
    function).

    The code is written, and sent, only while the expander is open: opening it reruns the page.
    Most reruns (a class moving sliders) leave it closed, and a page opens with it closed.
    """
    expander = st.expander(title, icon=":material/code:", key=SHOW_CODE, on_change="rerun")
    if not expander.open:
        return
    snippets = code()
    entries = snippets.items()
    if snippets.random_arrays:
        caption += (" Arrays too large to write out are random whole numbers in the code, so the numbers it "
                    "prints differ from the page's; the shapes and the counts are the same.")
    with expander:
        st.caption(caption + NOTATION + " Neither framework is needed to run this app.")
        tab_names = list(names or [name for name, _ in entries]) + ([source[0]] if source else [])
        tabs = st.tabs(tab_names)
        for tab, (_, text) in zip(tabs, entries):
            tab.code(text, language="python")
        if source:
            with tabs[-1]:
                st.markdown(source[1])
                st.code(source_text(source[2]), language="python")
