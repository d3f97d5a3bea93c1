"""`Tensor`: an n-dimensional array that remembers how it was computed.

A Tensor wraps one array (`.numpy()` returns it without a copy). Operators and methods
delegate to the ops in `xarxa.autograd.ops`; when any input requires a gradient, the
result keeps its graph node (`grad_fn`) so that `backward()` can walk back through it.
"""
from __future__ import annotations

import numpy as np

from . import devices
from ._size import Size
from .dtypes import _BY_NP
from .dtypes import of as _dtype_of
from .dtypes import get_default_dtype as _default_dtype
from .autograd import engine, hooks, version
from ._tensor_inplace import InPlaceOps
from ._tensor_ops import TensorOps
from .autograd import function as _function
from .autograd.version import bump_version

_new_size = tuple.__new__  # Size(shape) without its checks: a NumPy shape is ints already


_NO_DATA = object()  # Tensor() with no argument: an empty tensor


def _legacy_data(data, sizes: tuple, device):
    """The array (and version box) of ``Tensor(data, *sizes)`` when `data` is not an
    ndarray: PyTorch's legacy constructor (see `Tensor`)."""
    devices.check(device, "Tensor")
    if isinstance(data, np.ndarray):
        if sizes:
            raise TypeError(f"Tensor: expected one array or a shape of integers, got an array "
                            f"and {sizes}")
        return data, None
    if isinstance(data, np.generic) and not sizes:   # a NumPy scalar keeps its dtype
        return np.asarray(data), None
    if isinstance(data, Tensor) and not sizes:       # an alias sharing storage and version
        return data._data, version.share(data)
    from . import _legacy
    args = () if data is _NO_DATA else (data,) + sizes
    return _legacy.legacy_array(args, _default_dtype(), "Tensor"), None


class Tensor(TensorOps, InPlaceOps):
    """An array with an optional gradient and the graph node that produced it.

    Called as PyTorch's legacy constructor ``torch.Tensor(...)``: Python data
    (``xa.Tensor([1, 2])``) gives a tensor of the default dtype (float32), sizes
    (``xa.Tensor(2, 3)`` or a `Size`) an uninitialised one of that shape, no argument an
    empty one, a tensor an alias of it (its dtype kept, cut from the graph). One
    difference: a NumPy array (or NumPy scalar) is wrapped as it is, with its dtype and no
    copy (PyTorch casts it to float32) — that is how xarxa itself wraps its arrays. Use
    `xa.tensor(...)` to build with the dtype inferred from the data.

    Args:
        data: an array (kept as is, no copy), Python data, or the first of the sizes.
        requires_grad: track operations on this tensor to compute its gradient (xarxa
            accepts it here; PyTorch's legacy constructor does not).
        name: a label shown in `repr`, `inspect.trace` tables and graph drawings.
        device: 'cpu' (None); any other device is refused.
    """

    __slots__ = ("_data", "requires_grad", "_grad", "_ctx", "name", "_version_box",
                 "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected op

    def __init__(self, data=_NO_DATA, *sizes, requires_grad: bool = False,
                 name: str | None = None, device=None):
        box = None  # a version.VersionBox, shared by aliases of the storage
        if not isinstance(data, np.ndarray) or sizes or device is not None:
            data, box = _legacy_data(data, sizes, device)
        self._data = data
        self._grad: Tensor | None = None
        self._ctx = None
        self.name = name
        self._version_box = box
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _from_op(data, ctx) -> "Tensor":
        """Fast path for op results: no checks, `data` is already the right array."""
        t = Tensor.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._ctx = ctx
        t.requires_grad = ctx is not None
        t._grad = None
        t.name = None
        t._version_box = None
        return t

    # -- properties ---------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, a `Size` (PyTorch's `torch.Size([2, 3])`)."""
        return _new_size(Size, self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        """The element type, an `xarxa.dtype` (prints as `torch.float32`, equals NumPy's)."""
        d = self._data.dtype
        try:
            return _BY_NP[d]
        except KeyError:
            return _dtype_of(d)

    @property
    def device(self) -> "devices.device":
        """Where the data lives: `device(type='cpu')` (the only device of this build)."""
        return devices.CPU

    @property
    def is_cpu(self) -> bool:
        return True

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "fic"

    def get_device(self) -> int:
        """The device index, −1 for the CPU (PyTorch's convention)."""
        return -1

    @property
    def T(self) -> "Tensor":  # noqa: N802 - PyTorch's name
        return ops.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> "Tensor":  # noqa: N802
        return ops.transpose(self, -2, -1)

    @property
    def grad(self) -> "Tensor | None":
        """d(output)/d(self) after `backward()`: kept for leaves that require a gradient,
        and for non-leaves only after `retain_grad()` (reading it otherwise warns, as in
        PyTorch, since it stays None)."""
        g = self._grad
        if g is None and self._ctx is not None and self._ctx.out_ref is None:
            import warnings
            warnings.warn("the .grad of a non-leaf tensor (one computed from others, with a "
                          "grad_fn) is not kept by backward() and stays None; call "
                          ".retain_grad() on it before backward() to keep it",
                          UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                            f"type {type(value).__name__}")
        if value is not None and value.shape != self.shape:
            raise ValueError(f"assigned grad has shape {value.shape}, but the tensor has "
                             f"shape {self.shape}")
        self._grad = value

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for leaves)."""
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def data(self) -> "Tensor":
        """A Tensor sharing this array and its version counter, without history (PyTorch's
        `.data`): in-place writes through it are seen by graphs that saved this tensor."""
        t = Tensor(self._data)
        t._version_box = version.share(self)
        return t

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        bump_version(self)

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's storage has had (PyTorch's `_version`)."""
        box = self._version_box
        return 0 if box is None else box.version

    def size(self, dim: int | None = None):
        """The shape (PyTorch's `size()`), or one dimension's size (`dim` may be negative)."""
        shape = self._data.shape
        if dim is None:
            return _new_size(Size, shape)
        n = len(shape)
        if not shape:
            raise IndexError(f"size: dimension specified as {dim} but tensor has no dimensions")
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
            raise IndexError(f"size: dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {dim})")
        return shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # -- conversion ---------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The underlying array (no copy)."""
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted, got shape "
                             f"{self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is "
                             "ambiguous; use .any() or .all()")
        return bool(self._data.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self._data.item())

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (shares the array and its version counter)."""
        t = Tensor(self._data, name=self.name)
        t._version_box = version.share(self)
        return t

    def cpu(self) -> "Tensor":
        """This tensor (it is on the CPU already)."""
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        """Refused in this CPU-only build: the error of `xarxa.devices.check`."""
        devices.check("cuda", "Tensor.cuda")
        return self

    def __deepcopy__(self, memo) -> "Tensor":
        """A leaf with copied values, `requires_grad` and `.grad`, of the same class (a
        Parameter stays a Parameter), as PyTorch's; `copy.deepcopy(model)` relies on it."""
        if self._ctx is not None:
            raise RuntimeError("deepcopy: only leaf tensors (without grad_fn) can be "
                               "deep-copied; deep-copy .detach() instead")
        import copy
        new = type(self).__new__(type(self))
        Tensor.__init__(new, self._data.copy(), name=self.name)
        new.requires_grad = self.requires_grad
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        return new

    # -- autograd -----------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Switch gradient tracking on a leaf; only floating tensors can require grad."""
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require a "
                            f"gradient, got dtype {self._data.dtype}")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_: cannot switch off tracking on a non-leaf; "
                               "use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after `backward()`."""
        if self._ctx is None:
            return
        import weakref
        self._ctx.out_ref = weakref.ref(self)

    def register_hook(self, hook):
        """Call `hook(grad)` when backward computes this tensor's gradient; a returned
        Tensor replaces the gradient. Returns a handle whose `remove()` unregisters it.

        Example:
            >>> h = w.register_hook(lambda g: g.clamp(-1, 1))   # clip w's gradient
        """
        return hooks.register_hook(self, hook)

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires a gradient.

        Args:
            gradient: the upstream gradient, of self's shape; may be omitted only when
                self has one element (it is then 1).
            retain_graph: keep the graph (and its saved arrays) to call backward again.
            create_graph: make the gradients Tensors of a graph (each leaf's `.grad` then
                has a `grad_fn`), differentiable again; retain_graph then defaults to True.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require a gradient and has "
                               "no graph (did you forget requires_grad=True, or is it "
                               "inside no_grad()?)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(f"backward: a gradient argument is required for a "
                                   f"non-scalar output of shape {self.shape}; pass one of "
                                   "that shape (or reduce the output first)")
            grad = np.ones_like(self._data)
        else:
            grad = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
            if grad.shape != self.shape:
                raise ValueError(f"backward: gradient of shape {grad.shape} does not match "
                                 f"the output shape {self.shape}")
            grad = grad.astype(self.dtype, copy=False)
        if create_graph:  # the seed stays a Tensor: it may itself carry a graph
            if isinstance(gradient, Tensor) and gradient._data.dtype == grad.dtype:
                grad = gradient
            else:
                grad = Tensor(grad)
        retain = create_graph if retain_graph is None else retain_graph
        engine.backward(self, grad, retain_graph=bool(retain), create_graph=create_graph)

    __hash__ = object.__hash__  # tensors are dictionary keys by identity, as in PyTorch

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # -- representation -------------------------------------------------------------------
    def __format__(self, spec: str) -> str:
        """PyTorch's: a 0-d tensor formats as its number (`f"{loss:.4f}"`); any other tensor
        only without a format spec (as `str`), else TypeError."""
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        """PyTorch's text (`tensor([1., 2.], requires_grad=True)`; xarxa/_printing.py),
        with xarxa's `name='w'` label last for a named tensor."""
        return _printing.tensor_repr(self)


# Devices and layouts PyTorch knows and this build does not have: each predicate is False
# on every tensor (`is_cpu` is True above).
for _name in ("is_cuda", "is_xpu", "is_mps", "is_meta", "is_ipu", "is_xla", "is_mtia",
              "is_maia", "is_vulkan", "is_mkldnn", "is_quantized", "is_sparse",
              "is_sparse_csr", "is_nested"):
    setattr(Tensor, _name, property(lambda self: False, doc=f"{_name}: always False here"))
del _name


# The one place the tensor <-> autograd import cycle is closed: the ops build Tensors, and
# Tensor's methods (TensorOps) and the graph nodes (Function.apply) need the ops / Tensor.
_function.Tensor = Tensor
from .autograd import ops  # noqa: E402
from . import _printing, _tensor_inplace, _tensor_ops  # noqa: E402

_tensor_ops.ops = _tensor_inplace.ops = ops
_tensor_inplace.Tensor = Tensor
