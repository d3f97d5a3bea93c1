"""Three PyTorch-parity rules, against PyTorch: `xa.Tensor(...)` as PyTorch's legacy
constructor (Python data → the default dtype, sizes → uninitialised, nothing → empty, a
tensor → an alias), with the one documented difference that a NumPy array keeps its dtype;
`x.type()` written as PyTorch writes it ('torch.FloatTensor'); and the (values, indices)
pairs of `max`/`min`/`sort`/`topk` printed as `torch.return_types.max(...)`."""
import numpy as np
import pytest
import torch

import xarxa as xa


def _np(dtype) -> np.dtype:
    if isinstance(dtype, torch.dtype):
        return torch.empty(0, dtype=dtype).numpy().dtype
    return np.dtype(dtype)


# -- xa.Tensor(...) ----------------------------------------------------------------------------

DATA = [[1, 2], [[1, 2, 3], [4, 5, 6]], [0.5, -1.5], [True, False], [], (1, 2), [[1.0], [2]]]


@pytest.mark.parametrize("data", DATA, ids=range(len(DATA)))
def test_tensor_from_python_data_is_the_default_dtype_as_torch(data):
    ours, theirs = xa.Tensor(data), torch.Tensor(data)
    assert type(ours) is xa.Tensor and _np(ours.dtype) == _np(theirs.dtype) == np.float32
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours) == str(theirs) and not ours.requires_grad and ours.is_leaf


@pytest.mark.parametrize("sizes", [(), (3,), (2, 3), (0, 4), (2, 0, 1)])
def test_tensor_from_sizes_is_uninitialised_float_as_torch(sizes):
    ours, theirs = xa.Tensor(*sizes), torch.Tensor(*sizes)
    assert ours.shape == tuple(theirs.shape) and _np(ours.dtype) == _np(theirs.dtype)
    ours, theirs = xa.Tensor(xa.Size(sizes)), torch.Tensor(torch.Size(sizes))
    assert ours.shape == tuple(theirs.shape) and _np(ours.dtype) == _np(theirs.dtype)


def test_tensor_with_no_argument_is_empty_as_torch():
    ours, theirs = xa.Tensor(), torch.Tensor()
    assert ours.shape == tuple(theirs.shape) == (0,) and _np(ours.dtype) == np.float32


def test_tensor_follows_the_default_dtype_as_torch():
    previous = xa.get_default_dtype()
    try:
        xa.set_default_dtype(xa.float64)
        torch.set_default_dtype(torch.float64)
        assert _np(xa.Tensor([1, 2]).dtype) == _np(torch.Tensor([1, 2]).dtype) == np.float64
        assert _np(xa.Tensor(2).dtype) == _np(torch.Tensor(2).dtype) == np.float64
    finally:
        xa.set_default_dtype(previous)
        torch.set_default_dtype(torch.float32)


def test_tensor_of_a_tensor_is_an_alias_keeping_its_dtype_as_torch():
    for lib in (torch, xa):
        t = lib.tensor([1, 2])
        alias = lib.Tensor(t)
        assert alias.dtype == t.dtype == lib.int64 and alias is not t
        alias.add_(1)                                   # shares the memory
        assert t.tolist() == [2, 3]
    t = xa.ones(2)
    alias = xa.Tensor(t)
    alias.mul_(2)
    assert t._version == alias._version == 1            # one version counter


def test_tensor_refusals_as_torch():
    for bad in (3.5, "ab"):
        with pytest.raises(TypeError, match="data must be a sequence|invalid data type"):
            torch.Tensor(bad)
        with pytest.raises(TypeError, match="Tensor: data must be a sequence"):
            xa.Tensor(bad)
    with pytest.raises(ValueError, match="Tensor: expected a shape of non-negative integers"):
        xa.Tensor(2, -1)
    with pytest.raises(TypeError, match="Tensor: expected data .* or a shape of integers"):
        xa.Tensor([1], 2)
    with pytest.raises(RuntimeError, match="Tensor: device 'cuda' is not available"):
        xa.Tensor(2, device="cuda")
    assert xa.Tensor(2, 3, device="cpu").shape == (2, 3)


def test_tensor_keeps_xarxas_keywords_and_an_arrays_dtype():
    """xarxa's differences (docs/pytorch.md): requires_grad=/name= are accepted, and an
    ndarray (or NumPy scalar) is wrapped as it is, dtype kept and not copied."""
    w = xa.Tensor([1.0, 2.0], requires_grad=True, name="w")
    assert w.requires_grad and w.name == "w" and w.dtype == xa.float32
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]
    for array in (np.arange(3), np.array([1.5], dtype=np.float64), np.array([True])):
        t = xa.Tensor(array)
        assert t.numpy() is array and t.dtype == array.dtype
    assert xa.Tensor(np.float64(2.5)).dtype == xa.float64
    assert torch.Tensor(np.arange(3)).dtype == torch.float32   # PyTorch's: cast (the difference)


# -- x.type() ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_type_name_is_torchs(dtype):
    ours = xa.zeros(2, dtype=getattr(xa, dtype))
    theirs = torch.zeros(2, dtype=getattr(torch, dtype))
    assert ours.type() == theirs.type()
    assert ours.type(ours.type()).dtype == ours.dtype                  # round trip
    assert ours.type(ours.type().replace("torch.", "xarxa.")).dtype == ours.dtype
    assert str(ours.dtype).split(".")[0] == ours.type().split(".")[0] == "torch"


def test_type_comparison_of_a_tutorial():
    assert xa.Tensor([1, 2]).type() == "torch.FloatTensor" == torch.Tensor([1, 2]).type()
    assert xa.tensor([1, 2]).type() == "torch.LongTensor" == torch.tensor([1, 2]).type()


# -- torch.return_types ----------------------------------------------------------------------

VALUES = [[1.0, 5.0, 2.0], [3.0, 0.0, 4.0]]
CALLS = [("max", (1,), {}), ("max", (0,), {"keepdim": True}), ("min", (1,), {}),
         ("min", (-1,), {"keepdim": True}), ("sort", (), {}), ("sort", (0,), {"descending": True}),
         ("topk", (2,), {}), ("topk", (1,), {"dim": 0, "largest": False})]


@pytest.mark.parametrize("name, args, kwargs", CALLS,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(CALLS)])
def test_pairs_print_as_torchs_return_types(name, args, kwargs):
    ours = getattr(xa, name)(xa.tensor(VALUES), *args, **kwargs)
    theirs = getattr(torch, name)(torch.tensor(VALUES), *args, **kwargs)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__
    method = getattr(xa.tensor(VALUES), name)(*args, **kwargs)         # x.max(1) too
    assert str(method) == str(theirs)
    values, indices = ours                                              # unpacks
    assert values is ours.values is ours[0] and indices is ours.indices is ours[1]
    np.testing.assert_array_equal(values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    assert isinstance(ours, tuple) and len(ours) == 2


def test_pairs_of_0d_and_requires_grad_print_as_torchs():
    for name in ("max", "min", "sort"):
        ours = getattr(xa, name)(xa.tensor(2.0), 0)
        theirs = getattr(torch, name)(torch.tensor(2.0), 0)
        assert str(ours) == str(theirs)
    a, b = xa.tensor(VALUES, requires_grad=True), torch.tensor(VALUES, requires_grad=True)
    assert str(xa.min(a, 0)) == str(torch.min(b, 0))           # grad_fn=<MinBackward0> …
    ours, theirs = xa.max(a, 1), torch.max(b, 1)
    assert str(ours) == str(theirs)
    ours.values.sum().backward()
    theirs.values.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pairs_into_out_keep_their_type():
    values, indices = xa.empty(0), xa.empty(0, dtype=xa.int64)
    result = xa.max(xa.tensor(VALUES), 1, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert str(result).startswith("torch.return_types.max(\nvalues=tensor([5., 4.])")
