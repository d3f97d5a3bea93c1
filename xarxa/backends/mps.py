"""`xa.backends.mps`: Apple's Metal backend is not part of this build."""


def is_available() -> bool:
    """Whether the 'mps' device can hold tensors: never, in this build."""
    return False


def is_built() -> bool:
    return False
