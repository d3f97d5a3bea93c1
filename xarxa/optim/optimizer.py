"""`Optimizer`: the base class of every optimizer (param groups, per-parameter state).

As in PyTorch, an optimizer holds

* ``param_groups``: a list of dicts, each with its ``params`` (a list of tensors) and
  its own hyper-parameters (``lr``, ``momentum`` …), so that different layers can
  learn at different rates;
* ``state``: a dict keyed by the parameter tensor itself (tensors hash by identity)
  holding that parameter's buffers (momentum, squared-gradient sums, step count).

Buffers are NumPy arrays of the parameter's dtype and shape: the update math works on
arrays directly, with no graph and no Tensor overhead. Each subclass's ``step`` loops
over the parameters and calls one plain function holding the update rule.
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses implement ``step()``.

    Args:
        params: an iterable of tensors, or of dicts ``{"params": [...], "lr": ...}``
            (param groups); options missing from a group take ``defaults``.
        defaults: the default hyper-parameters of this optimizer.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors "
                            "or dicts, got a single Tensor (wrap it in a list)")
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])

    # -- groups -------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (e.g. a layer unfrozen during fine-tuning)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (it was computed "
                                 "by an op); optimize the leaves it came from")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: parameters must be floating point, got {p.dtype}")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{name}: some parameters appear in more than one group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyper-parameters (subclasses extend)."""
        lr = group.get("lr")
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr >= 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate lr={lr!r}, "
                             "expected a number >= 0")

    def _check_range(self, group: dict, key: str, low: float, high: float | None = None,
                     high_open: bool = False) -> None:
        value = group[key]
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
        if not ok:
            bound = "" if high is None else f" and {'<' if high_open else '<='} {high}"
            raise ValueError(f"{type(self).__name__}: invalid {key}={value!r}, expected a "
                             f"number >= {low}{bound}")

    # -- the training-loop API ----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter (``None``, or zeros if asked)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor(np.zeros_like(p.numpy()))

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient (subclasses implement it)."""
        raise NotImplementedError

    def _closure_loss(self, closure):
        if closure is None:
            return None
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    def _grads(self, group: dict[str, Any]):
        """(parameter, its array, its gradient array) for each parameter with a gradient."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad.numpy()
            if g.shape != p.shape:
                raise ValueError(f"{type(self).__name__}: gradient of shape {g.shape} does "
                                 f"not match its parameter's shape {p.shape}")
            yield p, p.numpy(), g

    # -- checkpoints --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, parameters replaced by their index.

        ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}``, the indices counting the parameters of every group in order, as
        in PyTorch. Arrays are copies: the state dict does not change as training goes.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for p, buffers in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                       for k, v in buffers.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()`` (the same parameters, in order).

        Checks that the groups and their sizes match and that every buffer has its
        parameter's shape; names what does not fit. Buffers are copied and cast to
        the parameter's dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else state_dict
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             f"'param_groups', got {keys!r}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state has {len(saved_groups)} "
                             f"param groups, this optimizer has {len(self.param_groups)}")
        lookup: dict[int, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: param group {i} has "
                                 f"{len(saved['params'])} parameters in the state, "
                                 f"{len(group['params'])} in this optimizer")
            lookup.update({int(k): p for k, p in zip(saved["params"], group["params"])})
        state: dict[Tensor, dict[str, Any]] = {}
        for key, buffers in state_dict["state"].items():
            if int(key) not in lookup:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key}, which "
                                 "is in no param group")
            p = lookup[int(key)]
            state[p] = {}
            for k, v in buffers.items():
                v = v.numpy() if isinstance(v, Tensor) else v
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    if v.shape != p.shape:
                        raise ValueError(f"{name}.load_state_dict: buffer '{k}' of parameter "
                                         f"{key} has shape {v.shape}, the parameter has "
                                         f"{p.shape}")
                    v = v.astype(p.dtype, copy=True)
                elif isinstance(v, np.ndarray):
                    v = v.item()
                state[p][k] = v
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(self.defaults.get(k), tuple) else v
        self.state = state
