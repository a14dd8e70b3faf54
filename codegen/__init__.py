"""The code a page shows: its configuration in NumPy, PyTorch and Keras, counted through the engine.

Each function returns the snippets of one page, keyed by framework; the tests run every one of
them with the real frameworks and compare shapes, counts and values with the engine.
"""

from .snippets import depthwise, depthwise_separable, flattening, mobilenet, pointwise, spatially_separable, standard

__all__ = ["depthwise", "depthwise_separable", "flattening", "mobilenet", "pointwise", "spatially_separable",
           "standard"]
