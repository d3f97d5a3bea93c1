"""Deprecated: the loss functions moved to `xarxa/nn/losses/` (one file per family, each
function beside its `nn` module) and are `xarxa.nn.functional`'s (`F.cross_entropy` …).
Every name of this old module still resolves, as the same object, with a DeprecationWarning
naming its place in `xarxa.nn.functional` (the namespaces' convention: a moved name is in
neither `__all__` nor `dir()`)."""
from .. import _namespace

__all__: list[str] = []
_MOVED = {name: "xarxa.nn.functional." + name for name in (
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "multi_margin_loss",
    "cross_entropy", "nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "focal_loss", "sigmoid_focal_loss", "class_weights",
    "triplet_margin_loss")}
__getattr__, __dir__ = _namespace.surface(__name__, __all__, _MOVED)
