"""xarxa — a deep-learning framework written from scratch on NumPy.

    import xarxa as xa
    from xarxa import nn, optim
    import xarxa.nn.functional as F

`xa` holds what `torch` holds, where xarxa implements it: tensors and their factories,
dtypes, grad modes, the ops PyTorch has at its top level (`xa.cat`, `xa.relu`, `xa.conv2d`),
`save`/`load` and the subpackages. The ops PyTorch keeps in `torch.nn.functional` are in
`xarxa.nn.functional` only; the rest of the op table (`cast`, `view`, `getitem` …) is in
`xarxa.autograd.ops` and reached as Tensor methods. `__all__` (and `dir(xa)`) list the
surface; the few names PyTorch lacks here are xarxa's own packages (`datasets`, `metrics`,
`metric_learning`, `models`, `plot`, `inspect`, `train`, `io`, `data`), each justified in
tests/test_namespaces.py. Names that moved away still resolve, with a DeprecationWarning
naming their new place (`_MOVED` below).
"""
from .dtypes import (bool, double, dtype, float, float16, float32, float64,  # noqa: A004
                     get_default_dtype, half, int, int8, int16, int32, int64, long,
                     set_default_dtype, short, uint8)
from ._size import Size
from ._printing import set_printoptions
from ._threads import get_num_threads, set_num_threads
from .random import Generator, get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ._compare import allclose, equal, is_tensor, isclose
from .autograd.ops import (abs, acos, add, argmax, argmin, asin, atan, atan2,  # noqa: A004
                           batch_norm, bmm, broadcast_to, cat, ceil, chunk, clamp,
                           concatenate, conv2d, conv_transpose2d, cos, cosh, div, embedding,
                           eq, erf, exp, expm1, flatten, flip, floor, gather, ge, gt,
                           heaviside, index_select, layer_norm, le, log, log10, log1p, log2,
                           log_softmax, lt, masked_fill, matmul, max, max_pool2d, maximum,
                           mean, meshgrid, min, minimum, mm, mul, ne, neg, norm, permute, pow,
                           reciprocal, relu, reshape, round, rsqrt, scatter, sigmoid, sign,
                           sin, sinh, softmax, sort, split, sqrt, square, squeeze, stack, std,
                           sub, sum, t, tan, tanh, topk, transpose, unsqueeze, var, where)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, tensor, zeros, zeros_like)
from .devices import device, get_default_device, set_default_device
from ._legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                      HalfTensor, IntTensor, LongTensor, ShortTensor)
from . import accelerator, backends, cuda  # noqa: E402
from .backends import (are_deterministic_algorithms_enabled,  # noqa: E402
                       is_deterministic_algorithms_warn_only_enabled,
                       use_deterministic_algorithms)

from . import autograd, random  # noqa: E402
from . import nn, optim, data, metrics, metric_learning, inspect  # noqa: E402
from . import distributed, io, models, plot, train  # noqa: E402
from . import onnx  # noqa: E402  (imports the onnx package only when called)
from .data import datasets  # noqa: E402
from . import utils  # noqa: E402  (torch.utils.data -> xarxa.utils.data)
from . import func  # noqa: E402  (torch.func: grad, jacrev, hessian, functional_call ...)
from .serialization import load, save  # noqa: E402
from . import _namespace  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    # tensors, dtypes, devices, randomness
    "Tensor", "tensor", "as_tensor", "from_numpy", "is_tensor", "Size", "set_printoptions",
    "dtype", "bool", "uint8", "int8", "int16", "short", "int32", "int64", "int", "long",
    "float16", "half", "float32", "float", "float64", "double", "get_default_dtype",
    "set_default_dtype", "get_num_threads", "set_num_threads",
    "device", "get_default_device", "set_default_device",
    "Generator", "manual_seed", "get_rng_state", "set_rng_state",
    # factories
    "arange", "empty", "empty_like", "eye", "full", "full_like", "linspace", "ones",
    "ones_like", "rand", "rand_like", "randint", "randn", "randn_like", "randperm", "zeros",
    "zeros_like",
    # PyTorch's legacy typed constructors (xa.FloatTensor([1, 2]), isinstance, Tensor.type)
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
    "CharTensor", "ByteTensor", "BoolTensor",
    # grad modes, comparisons, determinism
    "enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled",
    "allclose", "equal", "isclose", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    # the ops PyTorch has at its top level (xarxa/autograd/ops/)
    "abs", "acos", "add", "argmax", "argmin", "asin", "atan", "atan2", "batch_norm", "bmm",
    "broadcast_to", "cat", "ceil", "chunk", "clamp", "concatenate", "conv2d",
    "conv_transpose2d", "cos", "cosh", "div", "embedding", "eq", "erf", "exp", "expm1",
    "flatten", "flip", "floor", "gather", "ge", "gt", "heaviside", "index_select",
    "layer_norm", "le", "log", "log10", "log1p", "log2", "log_softmax", "lt", "masked_fill",
    "matmul", "max", "max_pool2d", "maximum", "mean", "meshgrid", "min", "minimum", "mm",
    "mul", "ne", "neg", "norm", "permute", "pow", "reciprocal", "relu", "reshape", "round",
    "rsqrt", "scatter", "sigmoid", "sign", "sin", "sinh", "softmax", "sort", "split", "sqrt",
    "square", "squeeze", "stack", "std", "sub", "sum", "t", "tan", "tanh", "topk",
    "transpose", "unsqueeze", "var", "where",
    # weights
    "save", "load",
    # PyTorch's subpackages
    "accelerator", "autograd", "backends", "cuda", "distributed", "func", "nn", "onnx",
    "optim", "random", "utils",
    # xarxa's own (tests/test_namespaces.py says why each is here)
    "data", "datasets", "inspect", "io", "metric_learning", "metrics", "models", "plot",
    "train",
]

_F = "xarxa.nn.functional."
_OPS = "xarxa.autograd.ops."
# old name -> new path (or (path, advice)): resolved with a DeprecationWarning
_MOVED = {
    **{name: _F + name for name in (
        "adaptive_avg_pool2d", "avg_pool2d", "bed_of_nails_unpool", "elu", "gelu",
        "interpolate", "leaky_relu", "linear", "max_unpool2d", "pad", "silu", "softplus",
        "step", "upsample_nearest")},
    "cast": (_OPS + "cast", "Tensor.to(dtype)"),
    "getitem": (_OPS + "getitem", "Tensor.__getitem__ (x[index])"),
    **{name: (_OPS + name, f"Tensor.{name}") for name in ("expand", "repeat", "view")},
    "record": "xarxa.inspect.record",
    "bool_": "xarxa.bool",
}
__getattr__, __dir__ = _namespace.surface(__name__, __all__, _MOVED)

from .backend import tune_allocator as _tune_allocator  # noqa: E402

_tune_allocator()  # see backend.py: keeps big temporaries mapped (XARXA_MALLOC_TUNING=0)

from . import _moved  # noqa: E402

_moved.install()  # old import paths of the applications (xarxa.solve, xarxa.train.run …)
