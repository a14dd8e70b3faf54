"""The welcome page: what the app teaches and how to use it."""

import streamlit as st

import ui

ui.classroom.require_navigation()
st.title("Separable convolutions, step by step")
st.markdown(
    """
A convolution layer slides small kernels over an image and multiplies as it goes. This app shows
every step of it, and why *separable* convolutions get the same kind of result with far fewer
multiplications. It follows the Deep Learning lecture on separable convolutions and flattening.

**Learning goals**
- Watch a standard convolution: where the kernel sits, what it multiplies, how the output fills in,
  and how many multiplications that takes.
- Separable convolutions: the *spatially* separable kind (a 3×3 Sobel kernel as a 3×1 pass then a
  1×3 pass) and the *depthwise* separable kind used in MobileNet and Xception.
- Flattening: how a volume of feature maps becomes one long vector for a fully-connected layer.

**How to use it**
- Pick a stage in the sidebar. The controls under it change the computation; the chart's own
  ▶ Play, ❚❚ Pause and step slider move through it without recomputing.
- Every control is in the page's address: **Copy link to this view** in the sidebar shares exactly
  what you see, the animation's step included.
- In class: **Presenter mode** makes everything large enough for the back row; ← and → step the
  animation. **Predict, then reveal** asks a question about each configuration before showing
  the answer. Under each animation, its current step is written out in words; **Show the code**
  at the bottom of each page gives the same computation in NumPy, PyTorch and Keras.
- Every number on screen is computed, never typed in. "Convolution" here is cross-correlation,
  as in PyTorch and Keras: the kernel is not flipped.
"""
)
st.page_link("pages/convolution.py", label="Start with a standard convolution", icon=":material/grid_on:")
