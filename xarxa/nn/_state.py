"""What `Module.state_dict` and `Module.load_state_dict` do: the dotted names of every
parameter and persistent buffer, and the checked, all-or-nothing copy into them."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..autograd.version import bump_version


def targets(module) -> "OrderedDict[str, Tensor]":
    """Parameters and persistent buffers by dotted name (like PyTorch, a shared module
    appears under each of its names)."""
    out: OrderedDict[str, Tensor] = OrderedDict()
    for prefix, m in module.named_modules(remove_duplicate=False):
        dot = prefix + "." if prefix else ""
        for name, p in m._parameters.items():
            if p is not None:
                out[dot + name] = p
        for name, b in m._buffers.items():
            if b is not None and name not in m._non_persistent:
                out[dot + name] = b
    return out


def load(module, state_dict, strict: bool) -> tuple[list, list]:
    """Check every entry, then copy them all (see `Module.load_state_dict`); returns
    (missing_keys, unexpected_keys)."""
    found = targets(module)
    missing = [k for k in found if k not in state_dict]
    unexpected = [k for k in state_dict if k not in found]
    problems = []
    if strict and missing:
        problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
    if strict and unexpected:
        problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
    for key, target in found.items():
        if key in state_dict:
            value = _array(state_dict[key])
            if value.shape != target.shape:
                problems.append(f"size mismatch for {key!r}: the checkpoint has shape "
                                f"{value.shape}, the model expects {target.shape}")
            elif (value.dtype.kind == "f") != (target.dtype.kind == "f"):
                problems.append(f"dtype mismatch for {key!r}: the checkpoint has "
                                f"{value.dtype}, the model expects {target.dtype}")
    if problems:
        raise ValueError(f"load_state_dict: cannot load into {type(module).__name__}: "
                         + "; ".join(problems))
    with no_grad():
        for key, target in found.items():
            if key in state_dict:
                np.copyto(target._data, _array(state_dict[key]), casting="unsafe")
                bump_version(target)   # graphs that saved the old values must refuse
    return missing, unexpected


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)
