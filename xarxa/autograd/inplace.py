"""In-place ops on tensors inside the graph (`out += identity`, `h.relu_()`, `x.mul_(w)`).

PyTorch writes the result into the tensor's storage and makes the tensor the output of a
new node ("rebasing" it); xarxa does the same in three steps:

1. the op runs out of place and records its node as usual;
2. the result is copied into the tensor's storage — first, the new node's saved arrays that
   alias that storage are copied, so its own backward still sees the old values — and the
   write bumps the version counter, so that *earlier* nodes which saved the old values
   refuse to run (`h = a.exp(); h += 1` raises at backward, as in PyTorch);
3. the tensor becomes the node's output, and the node's input is a snapshot of the tensor
   as it was (`node.rebased_input`). Nodes made *before* the write still hold the tensor
   object; the engine sees that its node is newer than them and follows the snapshots back
   (`engine.node_of`), so they get the gradient of the old value, as in PyTorch.

In-place graph ops on a tensor whose storage is shared with another Tensor (a view, or a
`.data`/`detach()` alias) are refused: the other tensor's graph would not see the change.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from . import function
from .function import bump_version


def leaf_error(op: str) -> RuntimeError:
    return RuntimeError(
        f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
        "update parameters inside `with xa.no_grad():` (e.g. w -= lr * w.grad)")


def rebase(x, result, op: str):
    """Write `result` (the out-of-place op's output, with its node) into `x`; return x."""
    if result.shape != x.shape:
        raise RuntimeError(f"{op}: output with shape {x.shape} doesn't match the broadcast "
                           f"shape {result.shape}")
    if not np.can_cast(result.dtype, x.dtype, casting="same_kind"):
        raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                           f"output type {x.dtype}")
    box = x._version_box
    if box is not None and box[2]:
        raise RuntimeError(
            f"{op}: in-place operation in the graph on a tensor that shares its storage with "
            "another tensor (a view, or a .data/.detach() alias); the other tensor's graph "
            "would not see the change. Use the out-of-place form (x = x + y)")
    node = result._ctx
    data = x._data
    xp = np if type(data) is np.ndarray else backend.namespace(data)
    node.saved = tuple(a.copy() if _aliases(xp, a, data) else a for a in node.saved)
    xp.copyto(data, result._data, casting="same_kind")
    bump_version(x)  # x._ctx is still the old node: it learns that its output changed
    before = function.Tensor._from_op(data, x._ctx)
    before.requires_grad = x.requires_grad
    before.name = x.name
    before._version_box = x._version_box
    node.inputs = tuple(before if t is x else t for t in node.inputs)
    node.rebased_input = before
    x._ctx = node
    x.requires_grad = True
    return x


def _aliases(xp, a, data) -> bool:
    return hasattr(a, "__array_interface__") and xp.may_share_memory(a, data)
