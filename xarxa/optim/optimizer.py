"""`Optimizer`: the base class of every optimizer (param groups, per-parameter state).

As in PyTorch, an optimizer holds

* ``param_groups``: a list of dicts, each with its ``params`` (a list of tensors) and
  its own hyper-parameters (``lr``, ``momentum`` …), so that different layers can
  learn at different rates;
* ``state``: a dict keyed by the parameter tensor itself (tensors hash by identity)
  holding that parameter's buffers (momentum, squared-gradient sums, step count).

Buffers are NumPy arrays of the parameter's dtype and shape: the update math works on
arrays directly, with no graph and no Tensor overhead. A subclass names one plain
function holding its update rule, with the one signature every optimizer shares::

    update(param, grad, state, **hyper) -> dict

``param`` and ``grad`` are arrays, ``state`` is the parameter's buffer dict (empty at
its first step: the function creates the buffers it needs, so state is *lazy*, made
at the first step a parameter has a gradient, whichever group it joined and when),
and ``hyper`` holds the group's hyper-parameters, the keys of ``defaults``. The
update writes ``param`` in place; ``step`` then bumps the parameter's version, so a
graph that saved the old values refuses to backpropagate through them. It returns what
it computed on the way, by name (its buffers, the scalars it derived: each function's
docstring lists them), the arrays themselves and never copies, so that returning them
costs next to nothing: ``step`` ignores them, `xarxa solve` prints them.
"""
from __future__ import annotations

import copy
import inspect
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd.version import bump_version
from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses set ``_update`` (see the module docstring) and ``defaults``.

    Args:
        params: an iterable of tensors, or of dicts ``{"params": [...], "lr": ...}``
            (param groups); options missing from a group take ``defaults``.
        defaults: the default hyper-parameters of this optimizer.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors "
                            "or dicts, got a single Tensor (wrap it in a list)")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: optimizer parameters need to be organized "
                            "in ordered collections, but the ordering of tensors in sets will "
                            "change between runs. Please use a list instead.")
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
        first: dict[int, int] = {}
        for i, p in enumerate(params):
            j = first.setdefault(id(p), i)
            if j != i:  # PyTorch only warns, then updates the tensor twice per step
                raise ValueError(f"{name}: optimizer contains a parameter group with duplicate "
                                 f"parameters (parameter {i} is parameter {j} again; it would "
                                 "be updated twice per step)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen & set(first):
            raise ValueError(f"{name}: some parameters appear in more than one parameter "
                             "group")
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
        """Forget the gradients of every parameter: ``None``, or, with ``set_to_none=False``,
        zeros written into the existing gradient arrays (as PyTorch's ``grad.zero_()``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    if p.grad._ctx is not None or p.grad.requires_grad:
                        p.grad = p.grad.detach()  # as PyTorch's detach_(): zeros carry no graph
                    p.grad.zero_()  # same array, version bumped

    # The update rule: update(param, grad, state, **hyper) -> dict, see the module docstring.
    _update: Callable[..., dict] | None = None

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter with a gradient; returns ``closure()``'s loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        if self._update is None:
            raise NotImplementedError(f"{type(self).__name__}: set _update (the update rule) "
                                      "or override step()")
        hyper = {k: group[k] for k in self.defaults}
        for p, theta, grad in self._grads(group):
            state = self.state.get(p) or {}
            self._update(theta, grad, state, **hyper)
            if state:  # an update that keeps no buffers (plain SGD) leaves no entry, as PyTorch
                self.state[p] = state
            bump_version(p)

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
            g, a = p.grad.numpy(), p.numpy()
            if g.shape != a.shape:
                raise ValueError(f"{type(self).__name__}: gradient of shape {g.shape} does "
                                 f"not match its parameter's shape {p.shape}")
            yield p, a, g

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
        for i, saved in enumerate(saved_groups):
            missing = sorted(set(self.defaults) - set(saved))
            if missing:
                raise ValueError(f"{name}.load_state_dict: the state was saved by another "
                                 f"optimizer{_guess_owner(saved)}, not by {name}: its param "
                                 f"group {i} lacks {name}'s hyper-parameters {missing}")
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


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start ← start + weight·(end − start)`` in place, as PyTorch's ``lerp_`` computes it:
    from the nearer end, ``end − (end − start)·(1 − weight)`` when weight ≥ 0.5, so that
    weight 1 gives ``end`` exactly (Adam with β₁ = 0 keeps the gradient, however small
    next to the old average). Returns ``start``."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start -= end
        start *= 1.0 - weight
        start += end
    return start


# What learning-rate schedulers store in the param groups (lr_scheduler: the base class's
# initial_lr, OneCycleLR's others): not an optimizer's hyper-parameters.
SCHEDULER_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"})


def _guess_owner(group: dict[str, Any]) -> str:
    """Text like ' (SGD)' naming the optimizer classes whose hyper-parameters (their
    constructor's options) are exactly the keys of a saved param group; '' if none."""
    keys = set(group) - {"params"} - SCHEDULER_KEYS
    found, todo = [], list(Optimizer.__subclasses__())
    while todo:
        cls = todo.pop(0)
        todo += cls.__subclasses__()
        options = {n for n, a in inspect.signature(cls.__init__).parameters.items()
                   if n not in ("self", "params") and a.kind in (a.POSITIONAL_OR_KEYWORD,
                                                                   a.KEYWORD_ONLY)}
        if options == keys:
            found.append(cls.__name__)
    return f" ({' or '.join(found)})" if found else ""
