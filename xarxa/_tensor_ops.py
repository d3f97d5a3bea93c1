"""`TensorOps`: the methods of `Tensor` that are ops (`x + y`, `x.sum()`, `x.relu()` …).

Each method is written out (so that `help(Tensor)`, editors and `grep "def sum"` find it)
and delegates to the op of the same name in `xarxa.autograd.ops`, where its forward and
backward live. `Tensor` inherits them; `xarxa/tensor.py` binds `ops` below once both
modules exist (the one place the tensor <-> autograd import cycle is closed).
"""
from __future__ import annotations

import numpy as np

from . import devices, dtypes

ops = None  # xarxa.autograd.ops, bound by xarxa.tensor at import


def _constant_like(value, like):
    """A number/list/array operand as a constant Tensor of `like`'s dtype (no upcast)."""
    return like._from_op(ops._util.constant(value, like), None)


def _size(size) -> tuple:
    """new_zeros(2, 3), new_zeros((2, 3)) and new_zeros([2, 3]) alike."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in size):
        raise ValueError(f"new_*: size must be non-negative integers, got {size}")
    return tuple(int(s) for s in size)


class TensorOps:
    """Arithmetic operators and op methods of `Tensor`, PyTorch's names and signatures."""

    __slots__ = ()

    # -- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(_constant_like(base, self), self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(_constant_like(other, self), self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # comparisons give bool tensors and are not differentiable (the functions xa.eq … call
    # these operators)
    def _compare(self, other, fn):
        other = other._data if isinstance(other, TensorOps) else other
        return self._from_op(fn(self._data, other), None)

    def __eq__(self, other):  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other):  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self):
        if self.dtype.kind != "b":
            raise TypeError(f"~ expects a bool tensor, got dtype {self.dtype}")
        return self._from_op(~self._data, None)

    def __and__(self, other):
        return self._compare(other, np.logical_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or)

    # -- arithmetic as methods (PyTorch's x.add(y, alpha=2) is x + 2·y) ----------------------
    def add(self, other, alpha=1):
        """self + alpha·other."""
        return ops.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self − alpha·other."""
        return ops.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self · other (elementwise, broadcasting)."""
        return ops.mul(self, other)

    def div(self, other):
        """self / other (elementwise, broadcasting)."""
        return ops.div(self, other)

    # -- indexing ops (xarxa/autograd/ops/indexing.py) ----------------------------------------
    def gather(self, dim: int, index):
        """Values read along `dim` at `index` (see `xa.gather`)."""
        return ops.gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, value=None):
        """A copy with `src` (or `value`) written at `index` along `dim` (see `xa.scatter`)."""
        if value is None and src is not None and not isinstance(src, TensorOps):
            src, value = None, src  # x.scatter(dim, index, 0.5): the value form
        return ops.scatter(self, dim, index, src, value)

    def index_select(self, dim: int, index):
        """The entries at the 1-D `index` along `dim`."""
        return ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        """A copy with `value` where the bool `mask` is True."""
        return ops.masked_fill(self, mask, value)

    def flip(self, *args, dims=None):
        """Reverse the order of the elements along `dims` (x.flip(0, 1), x.flip([0, 1]) or
        x.flip(dims=(0, 1)))."""
        if dims is None:
            dims = args[0] if len(args) == 1 else args
        return ops.flip(self, dims)

    def repeat(self, *sizes):
        """Tile sizes[i] times along dimension i."""
        return ops.repeat(self, *sizes)

    def split(self, split_size, dim: int = 0):
        """Pieces of `split_size` (an int or a list of sizes) along `dim`."""
        return ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0):
        """At most `chunks` equal pieces along `dim`."""
        return ops.chunk(self, chunks, dim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        """(values, indices) sorted along `dim`."""
        return ops.sort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
        """The k largest (smallest with largest=False) entries along `dim`."""
        return ops.topk(self, k, dim, largest, sorted)

    def contiguous(self, memory_format=None):
        """self when its array is C-contiguous, else a C-contiguous copy in the graph."""
        if self._data.flags.c_contiguous:
            return self
        return ops.indexing.Contiguous.apply(self)

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    # -- new tensors with this one's dtype (PyTorch's new_* factories) ----------------------
    def _new(self, op, array, dtype, requires_grad):
        from .creation import tensor as _tensor
        dtype = self.dtype if dtype is None else dtypes.resolve(dtype, op)
        return _tensor(array, dtype=dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        devices.check(device, "new_zeros")
        return self._new("new_zeros", np.zeros(_size(size)), dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        devices.check(device, "new_ones")
        return self._new("new_ones", np.ones(_size(size)), dtype, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        devices.check(device, "new_full")
        return self._new("new_full", np.full(_size((size,)), fill_value), dtype,
                         requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A new leaf holding a copy of `data`, of this tensor's dtype unless given."""
        devices.check(device, "new_tensor")
        data = data._data if isinstance(data, TensorOps) else data
        return self._new("new_tensor", np.array(data), dtype, requires_grad)

    # -- conversions (a cast is the op `cast`: differentiable between float types) ---------
    def to(self, *args, **kwargs):
        """PyTorch's `.to`: `to(dtype)`, `to(device=None, dtype=None, non_blocking=False,
        copy=False)` or `to(other)` (other's device and dtype). Returns `self` when nothing
        changes (unless copy=True); a cast is differentiable between float types. A device
        other than the CPU is a RuntimeError (`xarxa.devices.check`)."""
        if len(args) == 1 and not kwargs and isinstance(args[0], (dtypes.dtype, np.dtype)):
            dtype = getattr(args[0], "dtype", args[0])  # to(dtype): its NumPy dtype
            copy = False
        else:
            device, dtype, _, copy = devices.parse_to(args, kwargs, "Tensor.to")
            # as PyTorch: 'cpu:0' is not `device(type='cpu')` (it has an index), so a copy
            copy = copy or (device is not None and device != devices.CPU)
            if dtype is not None:
                dtype = dtypes.resolve(dtype, "Tensor.to")
        if dtype is None or dtype == self._data.dtype:
            return self.clone() if copy else self
        return ops.cast(self, dtype)

    def astype(self, dtype):
        """Cast to `dtype` (NumPy's name for `to(dtype)`)."""
        return self.to(dtypes.resolve(dtype, "astype"))

    def type_as(self, other):
        """Cast to `other`'s dtype."""
        return self.to(other.dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)

    def byte(self):
        return self.to(dtypes.uint8)

    def type(self, dtype=None, non_blocking: bool = False):
        """PyTorch's `.type`: with a dtype, a legacy type or its name, the cast `to(dtype)`
        (`x.type(torch.float)`, `x.type(torch.LongTensor)`, `x.type('torch.LongTensor')`);
        without, the name of the tensor type as PyTorch writes it ('torch.FloatTensor',
        with the prefix that dtypes print with, `torch.float32`); 'xarxa.FloatTensor' is
        accepted as a name too."""
        if dtype is None:
            return f"torch.{dtypes.legacy_name(self.dtype)}Tensor"
        from . import _legacy  # the legacy types are Tensor factories: import them late
        return self.to(_legacy.dtype_of(dtype, "Tensor.type"))

    def clone(self):
        """A copy that stays in the graph (gradients flow back to `self`)."""
        return ops.cast(self, self.dtype, copy=True)

    # -- reductions ------------------------------------------------------------------------
    def sum(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """Sum over `dim` (an int, a tuple, or None for all elements); NumPy's `axis` and
        `keepdims` are accepted as in PyTorch."""
        return ops.sum(self, dim if axis is None else axis,
                       keepdim if keepdims is None else keepdims)

    def mean(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """Arithmetic mean over `dim` (all elements when None); `axis`, `keepdims` too."""
        return ops.mean(self, dim if axis is None else axis,
                        keepdim if keepdims is None else keepdims)

    def max(self, dim=None, keepdim: bool = False):
        """The largest element, or with `dim` a `(values, indices)` pair."""
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim: bool = False):
        """The smallest element, or with `dim` a `(values, indices)` pair."""
        return ops.min(self, dim, keepdim)

    def var(self, dim=None, keepdim: bool = False, correction: int = 1):
        """Variance with `correction` (1: unbiased, PyTorch's default)."""
        return ops.var(self, dim, keepdim, correction)

    def std(self, dim=None, keepdim: bool = False, correction: int = 1):
        """Standard deviation, √var."""
        return ops.std(self, dim, keepdim, correction)

    def argmax(self, dim=None, keepdim: bool = False):
        """Index of the largest element (of the flattened tensor when `dim` is None)."""
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False):
        """Index of the smallest element (of the flattened tensor when `dim` is None)."""
        return ops.argmin(self, dim, keepdim)

    def any(self):
        """True if any element is non-zero (a bool tensor, not differentiable)."""
        return self._from_op(self._data.any(), None)

    def all(self):
        """True if every element is non-zero (a bool tensor, not differentiable)."""
        return self._from_op(self._data.all(), None)

    # -- shape -------------------------------------------------------------------------------
    def reshape(self, *shape):
        """The same elements in a new shape; one dimension may be -1."""
        return ops.reshape(self, *shape)

    def view(self, *shape):
        """`reshape` (PyTorch's name for a reshape that shares memory)."""
        return ops.view(self, *shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """Merge dimensions start_dim … end_dim into one."""
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        """Remove dimensions of size 1 (only `dim` when given)."""
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim: int):
        """Insert a dimension of size 1 at `dim`."""
        return ops.unsqueeze(self, dim)

    def permute(self, *dims):
        """Reorder the dimensions: output dim i is input dim dims[i]."""
        return ops.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int):
        """Swap two dimensions."""
        return ops.transpose(self, dim0, dim1)

    def t(self):
        """Transpose a matrix (dims 0 and 1); a 0-D or 1-D tensor is returned as it is."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape "
                             f"{self.shape}; use transpose(dim0, dim1) or .mT")
        return ops.transpose(self, 0, 1) if self.ndim == 2 else self

    def expand(self, *shape):
        """Broadcast to `shape` without copying; -1 keeps a dimension's size."""
        return ops.expand(self, *shape)

    def view_as(self, other):
        """`view` to `other`'s shape."""
        return ops.view(self, *other.shape)

    def reshape_as(self, other):
        """`reshape` to `other`'s shape."""
        return ops.reshape(self, *other.shape)

    def expand_as(self, other):
        """`expand` to `other`'s shape."""
        return ops.expand(self, *other.shape)

    # -- elementwise -------------------------------------------------------------------------
    def exp(self):
        """e^x elementwise."""
        return ops.exp(self)

    def log(self):
        """Natural logarithm elementwise."""
        return ops.log(self)

    def sqrt(self):
        """Square root elementwise."""
        return ops.sqrt(self)

    def abs(self):
        """|x| elementwise."""
        return ops.abs(self)

    def pow(self, exponent):
        """x ** exponent."""
        return ops.pow(self, exponent)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Limit to [min, max]; either bound may be None."""
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        """Elementwise max with `other`."""
        return ops.maximum(self, other)

    def minimum(self, other):
        """Elementwise min with `other`."""
        return ops.minimum(self, other)

    def matmul(self, other):
        """Matrix product (NumPy's rules)."""
        return ops.matmul(self, other)

    def mm(self, mat2):
        """Product of two 2-D matrices (no broadcasting)."""
        return ops.mm(self, mat2)

    def bmm(self, mat2):
        """Batched product of two 3-D tensors (no broadcasting)."""
        return ops.bmm(self, mat2)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None):
        """The p-norm over `dim` (all elements when None); see `xa.norm`."""
        return ops.norm(self, p, dim, keepdim, dtype)

    # elementary functions (xarxa/autograd/ops/math.py); floor … sign have gradient 0
    def sin(self):
        return ops.sin(self)

    def cos(self):
        return ops.cos(self)

    def tan(self):
        return ops.tan(self)

    def asin(self):
        return ops.asin(self)

    def acos(self):
        return ops.acos(self)

    def atan(self):
        return ops.atan(self)

    def atan2(self, other):
        return ops.atan2(self, other)

    def sinh(self):
        return ops.sinh(self)

    def cosh(self):
        return ops.cosh(self)

    def erf(self):
        return ops.erf(self)

    def log1p(self):
        return ops.log1p(self)

    def expm1(self):
        return ops.expm1(self)

    def log2(self):
        return ops.log2(self)

    def log10(self):
        return ops.log10(self)

    def reciprocal(self):
        return ops.reciprocal(self)

    def rsqrt(self):
        return ops.rsqrt(self)

    def square(self):
        return ops.square(self)

    def floor(self):
        return ops.floor(self)

    def ceil(self):
        return ops.ceil(self)

    def round(self, decimals: int = 0):
        return ops.round(self, decimals)

    def sign(self):
        return ops.sign(self)

    # -- activations -------------------------------------------------------------------------
    def relu(self):
        """max(0, x)."""
        return ops.relu(self)

    def sigmoid(self):
        """σ(x) = 1 / (1 + e^(−x))."""
        return ops.sigmoid(self)

    def tanh(self):
        """Hyperbolic tangent."""
        return ops.tanh(self)

    def step(self):
        """Heaviside step of the notes (gradient 0)."""
        return ops.step(self)

    def softmax(self, dim=None, temperature: float = 1.0):
        """Softmax along `dim` (with the notes' temperature)."""
        return ops.softmax(self, dim, temperature)

    def log_softmax(self, dim=None, temperature: float = 1.0):
        """log softmax along `dim`."""
        return ops.log_softmax(self, dim, temperature)
