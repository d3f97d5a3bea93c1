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


class Generator:
    """PyTorch's `torch.Generator`: a seedable random stream to pass as `generator=`
    (`randn`, `random_split`, samplers, `DataLoader`); NumPy's PCG64 underneath, so the
    numbers differ from PyTorch's, but the same seed gives the same numbers.

    Example:
        >>> g = xa.Generator().manual_seed(42)
        >>> train, val = xa.utils.data.random_split(ds, [0.8, 0.2], generator=g)
    """

    def __init__(self, device="cpu"):
        from .devices import check
        self.device = check(device, "Generator")
        self.manual_seed(int(np.random.SeedSequence().entropy) % (1 << 63))

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Generator.manual_seed: expected a non-negative integer, got "
                             f"{seed!r}")
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Re-seed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy) % (1 << 63))
        return self._seed

    def get_state(self) -> dict:
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.numpy.bit_generator.state = state
        return self


def resolve_generator(gen, op: str) -> np.random.Generator:
    """The generator a random function draws from: the global one (`manual_seed`) unless
    `generator=` passes a `Generator` or a `numpy.random.Generator`."""
    if gen is None:
        return _state["generator"]
    if isinstance(gen, np.random.Generator):
        return gen
    if isinstance(gen, Generator):
        return gen.numpy
    raise TypeError(f"{op}: generator must be None, an xa.Generator or a "
                    f"numpy.random.Generator, got {type(gen).__name__}")


def get_rng_state() -> dict:
    """The generator's state, as plain data (saved with checkpoints)."""
    return _state["generator"].bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by `get_rng_state`."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _state["generator"] = rng
