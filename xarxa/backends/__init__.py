"""`xa.backends`: the flags PyTorch scripts set (`xa.backends.cudnn.benchmark = True`,
`xa.backends.mps.is_available()`), accepted so that device boilerplate runs unchanged.

They have no effect in this CPU-only build: NumPy's CPU kernels are deterministic and have
no autotuning. (Not to be confused with `xarxa.backend`, the array-namespace helper.)
"""
from . import cuda, cudnn, mps  # noqa: F401 - xa.backends.cudnn … as attributes
