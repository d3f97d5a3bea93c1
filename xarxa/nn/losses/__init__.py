"""Every loss of the notes (§1.3), one family per file: the functional form (`F.*`), its
argument checks and math, and the `nn.*Loss` module right below it.

    regression.py  l1_loss, mse_loss, huber_loss, smooth_l1_loss (L1Loss, MSELoss, HuberLoss,
                   SmoothL1Loss)
    margin.py      hinge_loss (the notes' ±1 margin loss), multi_margin_loss (HingeLoss,
                   MultiMarginLoss)
    likelihood.py  cross_entropy, nll_loss, kl_div, binary_cross_entropy(_with_logits),
                   class_weights (CrossEntropyLoss, NLLLoss, KLDivLoss, BCELoss,
                   BCEWithLogitsLoss)
    focal.py       focal_loss (softmax form), sigmoid_focal_loss (FocalLoss, SigmoidFocalLoss)
    _common.py     `reduce`, the one reduction helper; the argument checks; `_Loss`, the
                   modules' base (the `reduction` argument, PyTorch's legacy pair)

Two neighbours complete the picture:

    xarxa/metric_learning/losses.py  the metric-learning losses, with their concept:
                   contrastive_loss, triplet_loss (the notes') and triplet_margin_loss
                   (PyTorch's, re-exported here as F's and nn's), with their modules
    xarxa/autograd/ops/loss.py       the fused graph nodes MSE, CrossEntropy, BCE,
                   BCEWithLogits (array-level forward and backward, gradchecked through the
                   op table) and the arithmetic of the reduction rule (the `Reduce` node);
                   each family file names the node a function applies

Every function checks its arguments and ends in `reduce(loss, reduction, op)` (or in a fused
node that applies the same rule), and is decorated with `call_scope(name)`
(`xarxa/autograd/record.py`): while recording, `inspect.trace` and `inspect.draw` show the
call as the one node the notes draw (cross-entropy with its softmax row), and `expand=True`
shows the nodes inside. The module constructors take PyTorch's arguments in its
order, including the deprecated `size_average`/`reduce` (mapped to `reduction` with
PyTorch's warning), so that positional calls such as `nn.CrossEntropyLoss(weights)` mean the
same thing. `nn.functional` re-exports the functions, `nn` the modules (and, as before, the
functions); `xarxa.nn.losses.cross_entropy` … work too.
"""
from ...metric_learning.losses import TripletMarginLoss, triplet_margin_loss
from ._common import reduce  # noqa: F401  (the helper for a loss of your own)
from .focal import FocalLoss, SigmoidFocalLoss, focal_loss, sigmoid_focal_loss
from .likelihood import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, KLDivLoss, NLLLoss,
                         binary_cross_entropy, binary_cross_entropy_with_logits,
                         class_weights, cross_entropy, kl_div, nll_loss)
from .margin import HingeLoss, MultiMarginLoss, hinge_loss, multi_margin_loss
from .regression import (HuberLoss, L1Loss, MSELoss, SmoothL1Loss, huber_loss, l1_loss,
                         mse_loss, smooth_l1_loss)

__all__ = [
    # the functions (also nn.functional's)
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "multi_margin_loss",
    "cross_entropy", "nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "focal_loss", "sigmoid_focal_loss", "class_weights",
    "triplet_margin_loss",
    # the modules (also nn's)
    "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "HingeLoss", "MultiMarginLoss",
    "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "FocalLoss",
    "SigmoidFocalLoss", "TripletMarginLoss",
]
