"""`functional_call`: run a module with given tensors in place of its parameters and
buffers (PyTorch's `torch.func.functional_call`), the module being unchanged afterwards.

The given tensors are what the layers read during the call, so gradients flow to them
(and not to the module's own parameters): a loss as a function of a parameter dict, which
`grad`, `jacrev` or `hessian` can differentiate, and MAML's inner step, where the adapted
weights `w - lr * grad(loss)(w)` are themselves a graph back to `w`.
"""
from __future__ import annotations

from ..nn.module import Module
from ..tensor import Tensor

_MISSING = object()  # a name the module does not have (swapped in, then deleted)


def _named_tensors(module: Module) -> dict[str, Tensor]:
    """Every parameter and buffer under every name it has (a tied weight under each)."""
    named = {}
    for prefix, m in module.named_modules(remove_duplicate=False):
        for kind in ("_parameters", "_buffers"):
            for name, t in m.__dict__[kind].items():
                if t is not None:
                    named[f"{prefix}.{name}" if prefix else name] = t
    return named


def _untie(module: Module, values: dict) -> dict:
    """`values` with each given tensor also under the other names of its tied weight
    (a weight shared by two layers is replaced in both); an error if two names of one
    tied weight are given different tensors."""
    tied: dict[int, list[str]] = {}
    for name, t in _named_tensors(module).items():
        tied.setdefault(id(t), []).append(name)
    untied = dict(values)
    for names in tied.values():
        given = [n for n in names if n in values]
        if len(names) < 2 or not given:
            continue
        if len({id(values[n]) for n in given}) > 1:
            raise ValueError(f"functional_call: got several values for the keys "
                             f"{sorted(names)}, which are tied; pass one, or pass "
                             "tie_weights=False")
        for n in names:
            untied[n] = values[given[0]]
    return untied


def _swap(module: Module, name: str, value):
    """Put `value` at dotted `name` (`_MISSING`: delete it); returns what was there."""
    prefix, _, attr = name.rpartition(".")
    owner = module.get_submodule(prefix)
    for kind in ("_parameters", "_buffers"):
        registry = owner.__dict__[kind]
        if attr in registry:
            old = registry[attr]
            if value is _MISSING:
                del registry[attr]
            else:
                registry[attr] = value
            return old
    old = getattr(owner, attr, _MISSING)
    if old is not _MISSING and old is not None and not isinstance(old, Tensor):
        raise TypeError(f"functional_call: {name!r} of {module._get_name()} is a "
                        f"{type(old).__name__}, not a parameter, buffer or Tensor attribute")
    if value is not _MISSING:
        setattr(owner, attr, value)
    elif old is not _MISSING:
        delattr(owner, attr)
    return old


def _merged(parameter_and_buffer_dicts) -> dict:
    if isinstance(parameter_and_buffer_dicts, dict):
        return parameter_and_buffer_dicts
    if not (isinstance(parameter_and_buffer_dicts, (tuple, list))
            and all(isinstance(d, dict) for d in parameter_and_buffer_dicts)):
        raise ValueError("functional_call: expected a dict of tensors, or a tuple/list of "
                         f"dicts, got {type(parameter_and_buffer_dicts).__name__}")
    merged: dict = {}
    for d in parameter_and_buffer_dicts:
        repeated = sorted(set(merged) & set(d))
        if repeated:
            raise ValueError(f"functional_call: {repeated} appear in several dicts: which "
                             "one to use is ambiguous")
        merged.update(d)
    return merged


def functional_call(module: Module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """`module(*args, **kwargs)` with the tensors of `parameter_and_buffer_dicts` (a dict
    `{dotted name: Tensor}`, or a tuple of such dicts) in place of the module's parameters
    and buffers of those names; the module's own are back in place afterwards, even when
    the call raises. Gradients flow to the given tensors.

    Args:
        args: the positional argument, or a tuple of them.
        tie_weights: a weight shared under two names is replaced under both when one is
            given (as the module ties them).
        strict: every parameter and buffer must be given, and nothing else.

    Example:
        >>> params = {k: v.detach().requires_grad_() for k, v in model.named_parameters()}
        >>> loss = F.mse_loss(functional_call(model, params, (x,)), y)
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: expected an nn.Module, got {type(module).__name__}")
    values = _merged(parameter_and_buffer_dicts)
    for name, t in values.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"functional_call: {name!r} must be a Tensor, got "
                            f"{type(t).__name__}")
    swapped = _untie(module, values) if tie_weights else values
    if strict:
        known = set(_named_tensors(module))
        errors = []
        unexpected, missing = sorted(set(swapped) - known), sorted(known - set(swapped))
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(f"functional_call: error(s) in reparametrizing for "
                               f"{module._get_name()}:\n\t" + "\n\t".join(errors))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    originals: dict = {}
    try:
        for name, t in swapped.items():
            originals[name] = _swap(module, name, t)
        return module(*args, **(kwargs or {}))
    finally:
        # restore in reverse order (a tied name restored last is the first one swapped);
        # a tensor the module rebound during the call goes back into the caller's dict
        current = {name: _swap(module, name, old) for name, old in reversed(originals.items())}
        if values is parameter_and_buffer_dicts:
            values.update({k: current[k] for k in values if k in current})
