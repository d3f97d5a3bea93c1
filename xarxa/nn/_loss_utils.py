"""Deprecated: the loss helpers moved to `xarxa/nn/losses/_common.py`; `reduce` (the helper
for a loss of your own) is `xarxa.nn.losses.reduce`. The names stay importable from here."""
from .losses._common import (REDUCTIONS, as_buffer, broadcast_constant,  # noqa: F401
                             check_index_range, check_input, check_margin,
                             check_probabilities, check_reduction, class_indices,
                             class_weight_array, float_target, index_target_shape,
                             legacy_reduction, reduce)
