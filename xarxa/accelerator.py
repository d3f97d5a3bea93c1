"""`xa.accelerator`: PyTorch's device-agnostic accelerator API, in a CPU-only build.

`is_available()` is False and `current_accelerator()` None, so that the boilerplate
`device = xa.accelerator.current_accelerator().type if xa.accelerator.is_available()
else "cpu"` picks the CPU.
"""
from __future__ import annotations


def is_available() -> bool:
    """Whether an accelerator (GPU) is present: never, in this build."""
    return False


def current_accelerator(check_available: bool = False):
    """The accelerator's device, or None when there is none (here: always None)."""
    return None


def device_count() -> int:
    """The number of accelerator devices: 0."""
    return 0
