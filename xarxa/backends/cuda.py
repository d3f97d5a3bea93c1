"""`xa.backends.cuda`: PyTorch's CUDA matmul flags, assignable and without effect here."""
from types import SimpleNamespace

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built() -> bool:
    """Whether this build has CUDA support: no."""
    return False
