"""A lesson's sections drawn in order (lessons.blocks says what each block is)."""

from __future__ import annotations

import streamlit as st

from lessons import blocks

from .charts import show_chart, wrapping_columns


def show_metrics(metrics, columns) -> None:
    for column, metric in zip(columns, metrics):
        column.metric(metric.label, metric.value, delta=metric.delta, delta_color="inverse", help=metric.help)


def show_block(block, wide_screen: bool = False) -> None:
    """One block, in the current container (`wide_screen`: one only screens 1,600 px wide and more show)."""
    if isinstance(block, blocks.Text):
        st.markdown(block.markdown)
    elif isinstance(block, blocks.Caption):
        st.caption(block.text)
    elif isinstance(block, blocks.Formula):
        st.latex(block.latex)
    elif isinstance(block, blocks.Chart):
        show_chart(block.figure, key=block.key, wide_screen=wide_screen)
    elif isinstance(block, blocks.Metrics):
        show_metrics(block.metrics, wrapping_columns(len(block.metrics), block.key, block.min_rem, gap="small"))
    elif isinstance(block, blocks.Check):
        if block.holds:
            st.success(block.text, icon=":material/check_circle:")
        elif block.failure == "warning":
            st.warning(block.text, icon=":material/warning:")
        else:
            st.error(block.text, icon=":material/error:")
    elif isinstance(block, blocks.Notice):
        (st.warning if block.warning else st.info)(block.markdown, icon=f":material/{block.icon}:")
    elif isinstance(block, blocks.Columns):
        columns = ([st.container() for _ in block.columns] if block.stacked
                   else wrapping_columns(block.spec, block.key, block.min_rem, gap=block.gap))
        for column, column_blocks in zip(columns, block.columns):
            with column:
                show_blocks(column_blocks, wide_screen)
    elif isinstance(block, blocks.Section):
        st.subheader(block.title)
        show_blocks(block.blocks, wide_screen)
    elif isinstance(block, blocks.ByWidth):
        # assets/columns.css shows one of the two by the screen's width. The narrow one first: its animations
        # (keyed "…__narrow") read a link's step and leave it to the wide one's, which removes it
        with st.container(key=f"narrow_{block.key}"):
            show_blocks(block.narrow)
        with st.container(key=f"wide_{block.key}"):
            show_blocks(block.wide, wide_screen=True)
    elif isinstance(block, blocks.GoingFurther):
        # drawn, and sent, only while open (opening it reruns the page): most reruns leave it folded
        folded = st.expander(block.title, icon=":material/explore:", key=block.key, on_change="rerun")
        if folded.open:
            with folded:
                show_blocks(block.sections)
    else:
        raise TypeError(f"no way to draw {type(block).__name__}")


def show_blocks(items, wide_screen: bool = False) -> None:
    """Blocks (and sections) in order; None is skipped, so a lesson can leave out what does not apply."""
    for block in items:
        if block is not None:
            show_block(block, wide_screen)
