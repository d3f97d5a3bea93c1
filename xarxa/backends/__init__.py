"""`xa.backends`: the flags PyTorch scripts set (`xa.backends.cudnn.benchmark = True`,
`xa.backends.mps.is_available()`), accepted so that device boilerplate runs unchanged.

They have no effect in this CPU-only build: NumPy's CPU kernels are deterministic and have
no autotuning. (Not to be confused with `xarxa.backend`, the array-namespace helper.)
"""
from . import cuda, cudnn, mps  # noqa: F401 - xa.backends.cudnn … as attributes

_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's `torch.use_deterministic_algorithms(True)` (exported as
    `xa.use_deterministic_algorithms`): recorded, without effect — xarxa's NumPy kernels
    are deterministic whatever it says."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"use_deterministic_algorithms: {name} must be a bool, got "
                            f"{value!r} ({type(value).__name__})")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """What the last `use_deterministic_algorithms` asked for (False at first)."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The `warn_only` of the last `use_deterministic_algorithms` (False at first)."""
    return _deterministic["warn_only"]
