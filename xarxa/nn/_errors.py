"""The errors `Module.__call__` raises or annotates: a NumPy array (or a list of numbers)
given as input is refused with the fix, and a ValueError/TypeError raised inside a layer's
forward gets the layer's name and its path in the model, once."""
from __future__ import annotations

import numpy as np


def check_input(module, x) -> None:
    """Refuse a NumPy array or a (nested) list/tuple of numbers as a module's input: ops
    need Tensors, and without this the error would be an AttributeError deep inside one."""
    if isinstance(x, (np.ndarray, np.generic)):
        what = f"a NumPy array of shape {x.shape} and dtype {x.dtype}"
        first = next(module.parameters(), None)
        if first is not None and x.dtype.kind == "f" and x.dtype != first.dtype:
            fix = f"xa.tensor(x, dtype=xa.{first.dtype.name})"   # the model's own dtype
        else:
            fix = "xa.tensor(x) (a copy) or xa.from_numpy(x) (sharing its memory)"
    elif isinstance(x, (list, tuple)) and _all_numbers(x):
        what, fix = f"a {type(x).__name__} of numbers", "xa.tensor(x)"
    else:
        return   # anything else (a Tensor subclass, a list of Tensors…) is forward's business
    error = TypeError(f"expected a Tensor as input, got {what}; convert it with {fix}")
    name_error(module, error)
    raise error


def _all_numbers(items) -> bool:
    return len(items) > 0 and all(
        _all_numbers(v) if isinstance(v, (list, tuple)) else
        isinstance(v, (int, float, np.number)) for v in items)


def name_error(module, error: Exception) -> None:
    """Put the name of the layer that raised `error` in front of its message, once.

    The innermost module whose forward raised it labels it (`Conv2d(1, 6, …): conv2d: …`);
    each enclosing module then only extends the path to it (`… at LeNet5.features.0: …`),
    so nested modules do not stack prefixes. The exception object is kept (same type,
    same traceback); only its message changes.
    """
    state = error.__dict__.get("_xarxa_layer")
    if state is None:   # raised by an op, or by this module's own check
        message, own = str(error), module._get_name() + ": "
        if message.startswith(own):   # the module named itself already: do not repeat it
            message = message[len(own):]
        state = error._xarxa_layer = {"module": module, "label": module._label(), "path": "",
                                      "message": message}
    else:
        inner = state["module"]
        if inner is None:
            return   # the chain of modules was lost (see below): keep the last message
        name = next((n for n, m in module.named_modules() if m is inner and n), None)
        if name is None:   # called through a module that is not registered here
            state["module"] = None
            return
        state["module"], state["path"] = module, name + ("." + state["path"] if state["path"]
                                                         else "")
    where = f" at {module._get_name()}.{state['path']}" if state["path"] else ""
    error.args = (f"{state['label']}{where}: {state['message']}",)
