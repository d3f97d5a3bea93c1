"""The random generators behind `rand`, `randn`, initialisers, dropout and shuffling.

Every random function draws from `generator=` when it is given, else from the *current
thread's default generator*: the process-wide one that `manual_seed` seeds (PyTorch's
`torch.default_generator`), unless `use_generator(g)` made `g` this thread's default for a
`with` block. So two threads can each build (and train) a model from its own seed at the
same time without touching, or racing on, the process-wide generator:

    def build(seed):
        with xa.random.use_generator(xa.Generator().manual_seed(seed)):
            return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))

Single-threaded code that only calls `xa.manual_seed` sees no difference.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

_state = {"generator": np.random.default_rng()}


class _Current(threading.local):
    """This thread's default generator (None: the process-wide one); a new thread starts
    with None, as grad mode starts on (`autograd.grad_mode`)."""

    def __init__(self):
        self.generator = None   # a numpy.random.Generator or an xa.Generator


_current = _Current()


def _set_default(rng: np.random.Generator) -> np.random.Generator:
    """Make `rng` the default: inside `use_generator` only for the rest of this thread's
    block (the caller's own generator object is never rewritten), else process-wide."""
    if _current.generator is not None:
        _current.generator = rng
    else:
        _state["generator"] = rng
    return rng


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default generator, so that runs are reproducible (inside a `use_generator`
    block: that thread's default for the rest of the block; elsewhere: the process-wide one,
    which every thread without a `use_generator` block draws from)."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative integer, got {seed!r}")
    return _set_default(np.random.default_rng(int(seed)))


def generator() -> np.random.Generator:
    """This thread's default generator (for code that draws its own random numbers)."""
    own = _current.generator
    if own is None:
        return _state["generator"]
    return own.numpy if isinstance(own, Generator) else own


@contextlib.contextmanager
def use_generator(gen):
    """Make `gen` (an `xa.Generator` or a `numpy.random.Generator`) the default generator of
    the current thread inside the block: layers' initialisation, dropout, random transforms
    and samplers without their own `generator=` draw from it; other threads and the
    process-wide generator are untouched. Blocks nest; `None` means the process-wide one.
    PyTorch has no such switch (its default generator is process-wide only).

    Example:
        >>> with xa.random.use_generator(xa.Generator().manual_seed(0)):
        ...     model = nn.Linear(2, 1)   # the same weights every time, in any thread
    """
    if gen is not None:
        resolve_generator(gen, "use_generator")  # refuses what is not a generator
    previous = _current.generator
    _current.generator = gen
    try:
        yield gen
    finally:
        _current.generator = previous


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
    """The generator a random function draws from: this thread's default (`generator()`)
    unless `generator=` passes a `Generator` or a `numpy.random.Generator`."""
    if gen is None:
        return generator()
    if isinstance(gen, np.random.Generator):
        return gen
    if isinstance(gen, Generator):
        return gen.numpy
    raise TypeError(f"{op}: generator must be None, an xa.Generator or a "
                    f"numpy.random.Generator, got {type(gen).__name__}")


def get_rng_state() -> dict:
    """The default generator's state (this thread's), as plain data (saved with checkpoints)."""
    return generator().bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by `get_rng_state` (into a new default generator, as
    `manual_seed` makes one)."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _set_default(rng)
