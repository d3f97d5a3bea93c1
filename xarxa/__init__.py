"""xarxa — a deep-learning framework written from scratch on NumPy.

    import xarxa as xa
    from xarxa import nn, optim
    import xarxa.nn.functional as F
"""
from .dtypes import (bool_, double, float, float16, float32, float64, get_default_dtype,  # noqa
                     half, int, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .random import Generator, get_rng_state, manual_seed, set_rng_state  # noqa: F401
from .tensor import Tensor  # noqa: F401
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                       set_grad_enabled)
from ._compare import allclose, equal, is_tensor, isclose  # noqa: F401
from .autograd.ops import *  # noqa: F401,F403
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy,  # noqa: F401
                       full, full_like, linspace, ones, ones_like, rand, rand_like, randint,
                       randn, randn_like, randperm, tensor, zeros, zeros_like)
from .devices import device, get_default_device, set_default_device  # noqa: F401
from . import accelerator, backends, cuda  # noqa: F401,E402
from .backends import (are_deterministic_algorithms_enabled,  # noqa: F401,E402
                       is_deterministic_algorithms_warn_only_enabled,
                       use_deterministic_algorithms)

from .autograd import record  # noqa: F401,E402
from . import nn, optim, data, metrics, metric_learning, inspect  # noqa: F401,E402
from . import models, plot, train  # noqa: F401,E402
from .data import datasets  # noqa: F401,E402
from . import utils  # noqa: F401,E402  (torch.utils.data -> xarxa.utils.data)
from .serialization import load, save  # noqa: F401,E402

__version__ = "0.1.0"

from .backend import tune_allocator as _tune_allocator  # noqa: E402

_tune_allocator()  # see backend.py: keeps big temporaries mapped (XARXA_MALLOC_TUNING=0)
