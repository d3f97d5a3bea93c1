"""`xa.cuda`: PyTorch's `torch.cuda` names for device boilerplate, in a CPU-only build.

`is_available()` is False and `device_count()` 0, so that `xa.device('cuda' if
xa.cuda.is_available() else 'cpu')` picks the CPU. The seeding and cache functions that
PyTorch also accepts without a GPU do nothing; the ones that need a GPU raise the error of
`xarxa.devices.check`. A CuPy backend will fill these in (DESIGN principle 6).
"""
from __future__ import annotations

from .devices import check


def is_available() -> bool:
    """Whether a CUDA device can hold tensors: never, in this build."""
    return False


def device_count() -> int:
    """The number of CUDA devices: 0."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as PyTorch does without a GPU (seed with `xa.manual_seed`)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as PyTorch does without a GPU."""


def empty_cache() -> None:
    """Nothing to free without a GPU (PyTorch also accepts it)."""


def _unavailable(where: str):
    check("cuda", where)  # raises: only the CPU exists


def current_device() -> int:
    _unavailable("xa.cuda.current_device")


def get_device_name(device=None) -> str:
    _unavailable("xa.cuda.get_device_name")


def synchronize(device=None) -> None:
    _unavailable("xa.cuda.synchronize")


def set_device(device) -> None:
    _unavailable("xa.cuda.set_device")
