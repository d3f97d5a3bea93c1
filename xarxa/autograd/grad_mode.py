"""Grad mode and the recorder: per-thread switches, as in PyTorch.

`no_grad()` in one thread does not stop another thread from building its graph, and a
`record()` tape sees only the nodes its own thread makes. Both live in one
`threading.local` object (`local`), read on the hot path of every op as a plain attribute
(`local.grad_enabled`): a new thread starts with grad mode on and no recorder.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable


class _Mode(threading.local):
    """This thread's switches; `__init__` runs once per thread, on its first access."""

    def __init__(self):
        self.grad_enabled = True
        self.recorder = None


local = _Mode()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` (in this thread)."""
    return local.grad_enabled


class _GradMode:
    """Context manager / decorator that switches graph recording on or off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self):
        self._previous.append(local.grad_enabled)
        local.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        local.grad_enabled = self._previous.pop()
        return False

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def no_grad() -> _GradMode:
    """Record no graph and save no array (context manager or decorator; this thread only).

    Example:
        >>> with xa.no_grad():
        ...     w -= 0.1 * w.grad
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record the graph again inside a `no_grad()` block."""
    return _GradMode(True)


class set_grad_enabled(_GradMode):  # noqa: N801 - PyTorch's name
    """Switch graph recording on or off (PyTorch's `set_grad_enabled(mode)`): as a function
    call it takes effect at once; as a context manager or decorator, the previous mode comes
    back on exit.

    Example:
        >>> with xa.set_grad_enabled(phase == "train"):
        ...     loss = criterion(model(x), y)
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: expected a bool mode, got "
                            f"{type(mode).__name__}")
        super().__init__(mode)
        self._previous.append(local.grad_enabled)  # the mode applies now (torch's)
        local.grad_enabled = mode

    def __enter__(self):
        return self

    def __call__(self, fn: Callable) -> Callable:
        local.grad_enabled = self._previous.pop()  # as a decorator: only inside fn
        return super().__call__(fn)


def inference_mode(mode: bool = True) -> _GradMode:
    """`no_grad()` under PyTorch's name for inference (`inference_mode(False)` records)."""
    if not isinstance(mode, bool):
        raise TypeError(f"inference_mode: expected a bool mode, got {type(mode).__name__}")
    return _GradMode(not mode)


def set_recorder(recorder) -> Any:
    """Make `recorder` (a `record.Tape`, or None) this thread's; return the previous one."""
    previous = local.recorder
    local.recorder = recorder
    return previous
