"""The engine: results, scan traces, output sizes and operation counts. Pure NumPy.

"Convolution" here is cross-correlation, as in PyTorch and Keras. True convolution (signal
processing, scipy.signal.convolve2d) is `operation="convolution"` or `flip_kernel`: the same scan
with every kernel turned by 180°, at the same cost.
"""

from .conv import OPERATIONS, check_operation, conv2d, conv2d_loop, flip_kernel, kernel_as_used
from .costs import Cost, standard_cost
from .depthwise import (
    depthwise_conv2d,
    depthwise_conv2d_loop,
    depthwise_cost,
    depthwise_separable_cost,
    equivalent_kernel,
    grouped_conv2d,
    grouped_cost,
    pointwise_conv2d,
    pointwise_conv2d_loop,
    pointwise_cost,
)
from .errors import ConvConfigError
from .geometry import PADDING_MODES, effective_span, output_size, plan
from .network import (
    FLATTEN_ORDERS,
    MOBILENET_V1_BODY,
    Layer,
    dense_cost,
    flat_index,
    flatten,
    global_average_pool_cost,
    mobilenet_v1,
    network_totals,
    shares_by_kind,
    source_of,
    vgg16_features,
)
from .patterns import (
    INPUT_PATTERNS,
    KERNEL_PRESETS,
    SEPARABLE_PRESETS,
    input_pattern,
    kernel_bank,
    kernel_preset,
    separable_preset,
)
from .separable import (
    LowRank,
    format_kernel,
    kernel_rank,
    low_rank,
    parse_kernel,
    separable_factors,
    separable_pass_costs,
    singular_values,
    spatially_separable_cost,
    two_pass_conv2d,
)
from .trace import DepthwiseTrace, ScanTrace, depthwise_trace, scan_trace

__all__ = [
    "ConvConfigError",
    "FLATTEN_ORDERS",
    "Layer",
    "MOBILENET_V1_BODY",
    "OPERATIONS",
    "Cost",
    "check_operation",
    "DepthwiseTrace",
    "INPUT_PATTERNS",
    "KERNEL_PRESETS",
    "LowRank",
    "SEPARABLE_PRESETS",
    "PADDING_MODES",
    "ScanTrace",
    "conv2d",
    "conv2d_loop",
    "depthwise_conv2d",
    "depthwise_conv2d_loop",
    "depthwise_cost",
    "depthwise_separable_cost",
    "depthwise_trace",
    "dense_cost",
    "flat_index",
    "flip_kernel",
    "flatten",
    "global_average_pool_cost",
    "equivalent_kernel",
    "grouped_conv2d",
    "grouped_cost",
    "effective_span",
    "format_kernel",
    "input_pattern",
    "kernel_as_used",
    "kernel_bank",
    "kernel_preset",
    "kernel_rank",
    "low_rank",
    "mobilenet_v1",
    "network_totals",
    "output_size",
    "parse_kernel",
    "pointwise_conv2d",
    "pointwise_conv2d_loop",
    "pointwise_cost",
    "plan",
    "scan_trace",
    "separable_factors",
    "separable_pass_costs",
    "separable_preset",
    "shares_by_kind",
    "singular_values",
    "source_of",
    "spatially_separable_cost",
    "standard_cost",
    "two_pass_conv2d",
    "vgg16_features",
]
