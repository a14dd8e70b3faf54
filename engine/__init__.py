"""The engine: results, scan traces, output sizes and operation counts. Pure NumPy.

"Convolution" here is cross-correlation, as in PyTorch and Keras.
"""

from .conv import conv2d, conv2d_loop
from .costs import Cost, standard_cost
from .errors import ConvConfigError
from .geometry import PADDING_MODES, effective_span, output_size, plan
from .patterns import INPUT_PATTERNS, KERNEL_PRESETS, input_pattern, kernel_bank, kernel_preset
from .trace import ScanTrace, scan_trace

__all__ = [
    "ConvConfigError",
    "Cost",
    "INPUT_PATTERNS",
    "KERNEL_PRESETS",
    "PADDING_MODES",
    "ScanTrace",
    "conv2d",
    "conv2d_loop",
    "effective_span",
    "input_pattern",
    "kernel_bank",
    "kernel_preset",
    "output_size",
    "plan",
    "scan_trace",
    "standard_cost",
]
