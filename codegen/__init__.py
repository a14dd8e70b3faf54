"""The code a page shows: its configuration in NumPy, PyTorch and Keras, counted through the engine.

Each function returns the Snippets of one page, three self-contained Python texts a student can copy. The
NumPy text computes the page's result with plain loops; the PyTorch and Keras texts define the equivalent
layers (neither framework is a dependency of the app: the texts are only shown). Each text states its
parameter count with its formula on a line "# parameters: 1 × 1 × 3 × 3 = 9", and every print() carries
the value it prints as a comment. Counting as everywhere in the engine: weights, plus biases where the page
counts them; BatchNorm never. The tests run every text with the real frameworks and compare shapes,
counts and values with the engine.

text.py          Snippets, numbers as the pages write them, arrays as NumPy literals
layers.py        PyTorch and Keras layers as text, with the padding and striding each framework needs
convolutions.py  the convolution pages: standard, spatially separable, depthwise, pointwise, depthwise separable
networks.py      the network pages: flattening, MobileNet v1
timing.py        the Measured time page: a layer timed in NumPy and PyTorch
"""

from .convolutions import depthwise, depthwise_separable, pointwise, spatially_separable, standard
from .networks import flattening, mobilenet
from .text import Snippets
from .timing import TimingSnippets
from . import timing

__all__ = ["Snippets", "depthwise", "depthwise_separable", "flattening", "mobilenet", "pointwise",
           "spatially_separable", "standard", "timing", "TimingSnippets"]
