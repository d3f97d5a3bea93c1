"""`xa.backends.cudnn`: PyTorch's cuDNN flags, assignable and without effect on the CPU."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN can be used: never, in this CPU-only build."""
    return False


def version():
    """cuDNN's version: None, as in a PyTorch build without it."""
    return None
