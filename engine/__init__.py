"""The engine: results, scan traces, output sizes and operation counts. Pure NumPy and SciPy.

"Convolution" here is cross-correlation, as in PyTorch and Keras. True convolution (signal
processing, scipy.signal.convolve2d) is `operation="convolution"` or `flip_kernel`: the same scan
with every kernel turned by 180°, at the same cost.

Shapes are channels-first, one image, no batch: x (C, H, W). Every impossible configuration raises
ConvConfigError, whose message names the parameter and the fix. Each vectorised operation has a loop
twin (`*_loop`, or `loop=True`) that the tests compare it with.
"""

# Errors
from .errors import ConvConfigError

# Where a kernel goes: output sizes and the placement of a kernel over an input
from .geometry import PADDING_MODES, effective_span, output_size, plan

# Operations, each with its loop twin
from .conv import OPERATIONS, check_operation, conv2d, conv2d_loop, flip_kernel, kernel_as_used
from .depthwise import (
    depthwise_conv2d,
    depthwise_conv2d_loop,
    equivalent_kernel,
    grouped_conv2d,
    pointwise_conv2d,
    pointwise_conv2d_loop,
)
from .separable import two_pass_conv2d, two_pass_trace

# Scan traces: every step of a scan, feeding both an animation and its counts
from .trace import DepthwiseTrace, ScanTrace, depthwise_trace, scan_trace

# Costs: multiplications, additions, parameters and the output shape of a layer
from .costs import Cost, standard_cost
from .depthwise import depthwise_cost, depthwise_separable_cost, grouped_cost, pointwise_cost
from .separable import separable_pass_costs, spatially_separable_cost

# Spatial separability: a kernel's rank, its factors, its best low-rank sums; kernels typed as text
from .separable import (
    format_kernel,
    kernel_rank,
    low_rank,
    parse_kernel,
    relative_difference,
    separable_factors,
    singular_values,
)

# Bytes moved, arithmetic intensity and the roofline (float32; what counts as moved: engine/memory.py)
from .memory import (
    BYTES_PER_VALUE,
    Roofline,
    Traffic,
    arithmetic_intensity,
    depthwise_separable_traffic,
    depthwise_traffic,
    layer_traffic,
    pointwise_traffic,
    standard_traffic,
)

# Networks and flattening
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

# Example inputs and kernels: the lecture's and a few named ones
from .patterns import (
    INPUT_PATTERNS,
    KERNEL_PRESETS,
    SEPARABLE_PRESETS,
    input_pattern,
    kernel_bank,
    kernel_preset,
    separable_preset,
)

__all__ = sorted([
    "ConvConfigError",
    "PADDING_MODES", "effective_span", "output_size", "plan",
    "OPERATIONS", "check_operation", "conv2d", "conv2d_loop", "flip_kernel", "kernel_as_used",
    "depthwise_conv2d", "depthwise_conv2d_loop", "equivalent_kernel", "grouped_conv2d", "pointwise_conv2d",
    "pointwise_conv2d_loop", "two_pass_conv2d", "two_pass_trace",
    "DepthwiseTrace", "ScanTrace", "depthwise_trace", "scan_trace",
    "Cost", "standard_cost", "depthwise_cost", "depthwise_separable_cost", "grouped_cost", "pointwise_cost",
    "separable_pass_costs", "spatially_separable_cost",
    "BYTES_PER_VALUE", "Roofline", "Traffic", "arithmetic_intensity", "depthwise_separable_traffic",
    "depthwise_traffic", "layer_traffic", "pointwise_traffic", "standard_traffic",
    "format_kernel", "kernel_rank", "low_rank", "parse_kernel", "relative_difference", "separable_factors",
    "singular_values",
    "FLATTEN_ORDERS", "MOBILENET_V1_BODY", "Layer", "dense_cost", "flat_index", "flatten", "global_average_pool_cost",
    "mobilenet_v1", "network_totals", "shares_by_kind", "source_of", "vgg16_features",
    "INPUT_PATTERNS", "KERNEL_PRESETS", "SEPARABLE_PRESETS", "input_pattern", "kernel_bank", "kernel_preset",
    "separable_preset",
])
