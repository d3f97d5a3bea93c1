"""The version protocol: PyTorch's in-place safety, all of it in this one module.

A graph node saves arrays for its backward pass (`exp` saves its output, `mul` its
operands). If one of those storages is written in place afterwards, backward would compute
a wrong gradient in silence; PyTorch refuses instead ("modified by an inplace operation"),
and so does xarxa. Four steps, each one function here:

- **bump** (`bump_version`): every in-place write calls it — Tensor methods, optimizer
  updates, `nn.init`, writes under `no_grad()`, writes through `.data`, `detach()` and
  views. It stamps the storage's `VersionBox` with a new *write epoch* from one clock.
- **share** (`share`, `share_view`): Tensors that alias one storage (`.data`, `detach()`,
  views and reshapes) share one `VersionBox`, so a write through any of them is seen by
  all. A box made for a node's output is also *watched* by that node.
- **check** (`check`): before a node's backward runs, every storage it can have saved — its
  inputs, its outputs (watched boxes), the Tensors a PyTorch-style Function saved — is
  compared with the node's creation epoch; a later write to a storage that overlaps an
  array the node saved raises, naming the op. Writes to storages it did not save (the
  operands of an add) are harmless and pass.
- **rebase** (`rebase`): an in-place op inside the graph (`h += 1`, `relu_`) writes the
  tensor, bumps its box (so older nodes that saved the old value refuse) and makes the
  tensor the output of the new node.

Not tracked, as in PyTorch: writes into the NumPy array returned by `.numpy()` (it is the
caller's array). Refused where PyTorch is silent: a write through `.data` to a saved value
(PyTorch's `.data` does not share the version counter; xarxa's does, so the write raises at
backward instead of giving a wrong gradient).

Cost: backward compares versions only when some write happened after the node was made
(`_clock[0] > node.epoch`), so a training step that writes nothing between forward and
backward pays one integer comparison per node. The clock is advanced under a lock, so the
protocol holds when several threads build and write graphs at once.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import backend

_clock = [0]  # the write epoch: how many in-place writes the process has made
_lock = threading.Lock()


class VersionBox:
    """The version of one storage, shared by every Tensor that aliases it.

    Fields:
        version: how many in-place writes the storage has had (PyTorch's `_version`).
        epoch: the write epoch of the last of them (compared with a node's `epoch`).
        shared: another Tensor (a view, `.data`, `detach()`) aliases the storage.
    """

    __slots__ = ("version", "epoch", "shared")

    def __init__(self, shared: bool = False):
        self.version = 0
        self.epoch = 0
        self.shared = shared

    def __repr__(self) -> str:
        return f"VersionBox(version={self.version}, epoch={self.epoch}, shared={self.shared})"


def now() -> int:
    """The current write epoch (a node records it when it is made)."""
    return _clock[0]


def _box(tensor, shared: bool) -> VersionBox:
    """`tensor`'s box, made on first need; a node's output box is watched by the node."""
    box = tensor._version_box
    if box is None:
        box = tensor._version_box = VersionBox()
        node = tensor._ctx
        if node is not None:
            watch(node, box, tensor._data)
    if shared:
        box.shared = True
    return box


def watch(node, box: VersionBox, data) -> None:
    """Make `node` check `box` at backward: `data` (one of its outputs) may be in its saved
    arrays, so a later write through any alias of it must be refused."""
    if not node.watched:
        node.watched = []
    node.watched.append((box, data))


# -- bump -------------------------------------------------------------------------------------
def bump_version(tensor) -> None:
    """Record an in-place write to `tensor`'s storage (PyTorch's `_version += 1`).

    The one call every writer makes, after writing: Tensor methods, optimizers, `nn.init`,
    collectives, data transforms that write in place.
    """
    with _lock:
        box = _box(tensor, False)
        _clock[0] += 1
        box.version += 1
        box.epoch = _clock[0]


# -- share ------------------------------------------------------------------------------------
def share(tensor) -> VersionBox:
    """`tensor`'s box, for another Tensor that will alias its storage (`.data`, `detach()`)."""
    with _lock:
        return _box(tensor, True)


def share_view(result, base, inputs, arrays) -> None:
    """A view op's result (reshape, transpose, basic indexing …) aliases an input's storage
    (`base` is its array's base): it shares that input's box, and its own node watches it."""
    Tensor = type(result)
    for t, a in zip(inputs, arrays):
        if (base is a or base is getattr(a, "base", None)) and isinstance(t, Tensor):
            box = result._version_box = share(t)
            if result._ctx is not None:
                watch(result._ctx, box, result._data)
            return


# -- check ------------------------------------------------------------------------------------
def check(node) -> None:
    """Refuse to run `node.backward` on saved values that were written in place since the
    node was made (PyTorch's "modified by an inplace operation" error).

    Called by the engine only when some write happened after the node was made.
    """
    saved, saved_tensors = _saved_arrays(node)
    if not saved:
        return
    for i, t in enumerate(node.inputs):
        box = getattr(t, "_version_box", None)
        if box is not None and box.epoch > node.epoch and _overlaps(saved, t._data):
            label = f"{t.name!r}" if t.name else f"input {i}"
            raise _modified(node, f"{label} of {node.name} (shape {t.shape}, dtype {t.dtype})",
                            box, "Do the in-place update after backward() (e.g. "
                            "optimizer.step() after loss.backward()), or use an "
                            "out-of-place op (x = x + 1)")
    for box, data in node.watched:
        if box.epoch > node.epoch and _overlaps(saved, data):
            raise _modified(node, f"an output of {node.name} (shape {data.shape}, dtype "
                            f"{data.dtype})", box, "The write may have gone through an alias "
                            "(detach(), .data, a view or a reshape); use an out-of-place op, "
                            "or write into a clone()")
    for t in saved_tensors:  # a PyTorch-style Function may save any Tensor
        box = t._version_box
        if box is not None and box.epoch > node.epoch:
            raise _modified(node, f"a tensor saved by {node.name} (shape {t.shape})", box,
                            "Save a clone() of a tensor you write in place later")


def _modified(node, what: str, box: VersionBox, hint: str) -> RuntimeError:
    """PyTorch's message, with the node named and a hint for the student."""
    return RuntimeError(
        "backward: one of the variables needed for gradient computation has been modified "
        f"by an inplace operation: {what} is at version {box.version}, written after "
        f"{node.name} saved it for the backward pass. {hint}")


def _saved_arrays(node) -> tuple[list, list]:
    """The arrays `node` saved (Tensors' arrays included), and the saved Tensors."""
    Tensor = _tensor_type()
    arrays, tensors = [], []
    for a in node.saved:
        if isinstance(a, Tensor):
            tensors.append(a)
            a = a._data
        if hasattr(a, "__array_interface__") or hasattr(a, "__cuda_array_interface__"):
            arrays.append(a)
    return arrays, tensors


def _overlaps(saved: list, data) -> bool:
    xp = np if type(data) is np.ndarray else backend.namespace(data)
    return any(xp.may_share_memory(a, data) for a in saved)


def _tensor_type():
    from . import function
    return function.Tensor


# -- rebase -----------------------------------------------------------------------------------
def leaf_error(op: str) -> RuntimeError:
    """In place on a leaf that requires grad: refused, as in PyTorch (its graph would lose
    the value it started from)."""
    return RuntimeError(
        f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
        "update parameters inside `with xa.no_grad():` (e.g. w -= lr * w.grad)")


def rebase(x, result, op: str):
    """Write `result` (an out-of-place op's output, with its node) into `x`; return x.

    1. the new node's saved arrays that alias `x`'s storage are copied first, so its own
       backward still sees the old values;
    2. the write bumps `x`'s version, so *earlier* nodes that saved the old values refuse
       to run (`h = a.exp(); h += 1` raises at backward, as in PyTorch);
    3. `x` becomes the node's output, and the node's input is a snapshot of `x` as it was
       (`node.rebased_input`). Nodes made before the write still hold the tensor object;
       the engine sees that its node is newer than them and follows the snapshots back
       (`engine.node_of`), so they get the gradient of the old value, as in PyTorch.

    Refused on a tensor whose storage another Tensor aliases: that tensor's graph would
    not see the change.
    """
    if result.shape != x.shape:
        raise RuntimeError(f"{op}: output with shape {x.shape} doesn't match the broadcast "
                           f"shape {result.shape}")
    if not np.can_cast(result.dtype, x.dtype, casting="same_kind"):
        raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                           f"output type {x.dtype}")
    box = x._version_box
    if box is not None and box.shared:
        raise RuntimeError(
            f"{op}: in-place operation in the graph on a tensor that shares its storage with "
            "another tensor (a view, or a .data/.detach() alias); the other tensor's graph "
            "would not see the change. Use the out-of-place form (x = x + y)")
    node = result._ctx
    data = x._data
    xp = np if type(data) is np.ndarray else backend.namespace(data)
    node.saved = tuple(a.copy() if _aliases(xp, a, data) else a for a in node.saved)
    xp.copyto(data, result._data, casting="same_kind")
    bump_version(x)  # x._ctx is still the old node: it watches x's box and sees the write
    before = type(x)._from_op(data, x._ctx)
    before.requires_grad = x.requires_grad
    before.name = x.name
    before._version_box = x._version_box
    node.inputs = tuple(before if t is x else t for t in node.inputs)
    node.rebased_input = before
    node.epoch = now()  # the node saved nothing of x's storage: the write is not news to it
    x._ctx = node
    x.requires_grad = True
    watch(node, x._version_box, data)
    return x


def _aliases(xp, a, data) -> bool:
    return hasattr(a, "__array_interface__") and xp.may_share_memory(a, data)
