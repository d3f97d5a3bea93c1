"""The global random generator behind `rand`, `randn`, initialisers, dropout and shuffling."""
from __future__ import annotations

import numpy as np

_state = {"generator": np.random.default_rng()}


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every random function of xarxa, so that runs are reproducible."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative integer, got {seed!r}")
    _state["generator"] = np.random.default_rng(int(seed))
    return _state["generator"]


def generator() -> np.random.Generator:
    """The generator in use (for code that draws its own random numbers)."""
    return _state["generator"]


def resolve_generator(gen, op: str) -> np.random.Generator:
    """The generator a random function draws from: the global one (`manual_seed`) unless
    `generator=` passes a `numpy.random.Generator`."""
    if gen is None:
        return _state["generator"]
    if isinstance(gen, np.random.Generator):
        return gen
    raise TypeError(f"{op}: generator must be None or a numpy.random.Generator, got "
                    f"{type(gen).__name__}")


def get_rng_state() -> dict:
    """The generator's state, as plain data (saved with checkpoints)."""
    return _state["generator"].bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by `get_rng_state`."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _state["generator"] = rng
