"""Spatially separable convolution: a rank-1 kernel as a column pass then a row pass."""

import streamlit as st

import engine
import ui
import uploads
from lessons import separable_image as image
from lessons.spatially_separable import (CUSTOM_HELP, INTRO, KERNEL_HELP, KERNELS, PADDINGS, TERMS_HELP, TITLE, Config,
                                        build)

ui.header(TITLE, INTRO)
default = Config()  # every control starts at the lecture's example
st.sidebar.header("Kernel")
kernel = ui.choice("Kernel", "kernel", KERNELS, default.kernel, help=KERNEL_HELP)
random_size = ui.int_slider("Random kernel size", "ksize", 2, 7, default.random_size,
                            help="Used when the kernel is random.")
custom = ui.parsed_text("Custom kernel (rows split by ;)", "custom", default.custom, engine.parse_kernel,
                        help=CUSTOM_HELP, max_chars=engine.separable.MAX_KERNEL_TEXT)
operation = ui.operation(default.operation)
st.sidebar.header("Input")
height = ui.int_slider("Input height", "h", 2, 16, default.height)
width = ui.int_slider("Input width", "w", 2, 16, default.width)
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, default.pattern)
seed = ui.int_slider("Random seed", "seed", 0, 99, default.seed)
st.sidebar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, default.stride)
padding = ui.padding(PADDINGS, default.padding)
terms = ui.int_slider("Separable terms r", "rank", 1, 7, default.terms, help=TERMS_HELP)
frame_ms = ui.speed()

lesson = st.cache_resource(max_entries=16, show_spinner=False)(build)  # a Lesson is never mutated
filtered = st.cache_data(max_entries=8, show_spinner=False)(image.filter_image)  # ImageError is not cached
shown = ui.built(lambda: lesson(Config(kernel=kernel, random_size=random_size, custom=custom, operation=operation,
                                height=height, width=width, pattern=pattern, seed=seed, stride=stride,
                                padding=padding, terms=terms), frame_ms, ui.presenter()))
if asked := shown.question:
    ui.ask_first(asked.text, asked.fields, asked.explanation, "spatially_separable", figure=shown.question_figure)

ui.show_blocks(shown.sections)  # sizes the kernel does not fit: the routes' section says why, the rest is drawn

st.subheader("On a real image")
source = ui.radio("Image", "image", image.SOURCES, image.SOURCES[0])
data = image.sample(source)  # None for an upload
if source == image.UPLOAD:
    upload = st.file_uploader("A PNG or JPEG image", type=image.UPLOAD_TYPES, key="upload")
    st.caption(image.UPLOAD_CAPTION)
    data = upload.getvalue() if upload else None
if data is not None:
    try:
        panel = filtered(data, shown.image_filter)
    except uploads.ImageError as error:
        st.error(f"**This image cannot be used:** {error}.", icon=":material/warning:")
    else:
        for notice in panel.notices:
            st.info(notice, icon=":material/info:")
        if panel.error:
            ui.explain(panel.error)
        else:
            # two a row, large enough to see the edges; four on a projector's wide page, one screen high
            per_row = 4 if ui.presenter() else 2
            for i in range(0, len(panel.pictures), per_row):
                row = panel.pictures[i:i + per_row]
                for column, picture in zip(ui.wrapping_columns(per_row, f"pictures{i}", 12 if ui.presenter() else 22),
                                           row):
                    column.image(picture.jpeg, caption=picture.caption, width="stretch")
            st.caption(image.CAPTION)

ui.show_blocks(shown.after_image)
ui.show_code(shown.code_caption, shown.code)
