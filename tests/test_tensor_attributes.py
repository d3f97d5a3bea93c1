"""What a tensor says about itself, as PyTorch says it: `torch.Size` shapes (xarxa/_size.py),
dtypes that print as PyTorch's and equal NumPy's (xarxa/dtypes.py), and every device and
layout predicate."""
import copy
import pickle

import numpy as np
import pytest
import torch

import xarxa as xa

SHAPES = [(), (0,), (3,), (2, 3), (1, 2, 3, 4), (0, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_and_size_are_sizes_printed_as_pytorch(shape):
    x, t = xa.zeros(shape), torch.zeros(shape)
    for ours, theirs in ((x.shape, t.shape), (x.size(), t.size())):
        assert isinstance(ours, xa.Size) and isinstance(ours, tuple)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert f"{ours}" == f"{theirs}" and ours == tuple(theirs) and ours == theirs
        assert hash(ours) == hash(tuple(shape)) and ours.numel() == theirs.numel()
    assert x.size(-1) == t.size(-1) if shape else True


def test_size_behaves_like_torch_size():
    s, ts = xa.Size([2, 3, 4]), torch.Size([2, 3, 4])
    for op in (lambda a: a[1:], lambda a: a + (5,), lambda a: (5,) + a, lambda a: a * 2,
               lambda a: 2 * a, lambda a: a[::-1]):
        assert type(op(s)) is xa.Size and repr(op(s)) == repr(op(ts))
    assert s[0] == 2 and type(s[0]) is int and list(s) == [2, 3, 4]
    assert repr(xa.Size()) == repr(torch.Size()) and xa.Size().numel() == 1
    assert repr(xa.Size([np.int64(3), True])) == repr(torch.Size([np.int64(3), True]))
    with pytest.raises(TypeError, match=r"Size\(\) takes an iterable of 'int' \(item 0 is "
                                        r"'float'\)"):
        xa.Size([2.5])
    assert pickle.loads(pickle.dumps(s)) == s and type(pickle.loads(pickle.dumps(s))) is xa.Size
    assert np.zeros(s).shape == (2, 3, 4) and xa.zeros(s).shape == s
    assert xa.zeros(2, 3).view(xa.Size([3, 2])).shape == (3, 2)


NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
         "half", "float", "double", "short", "int", "long"]


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_print_and_behave_as_pytorchs(name):
    ours, theirs = getattr(xa, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs) and f"{ours}" == f"{theirs}"
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert isinstance(ours, xa.dtype)
    # ... and stand for NumPy's dtype of the same name wherever NumPy or xarxa relies on it
    np_dtype = np.dtype(str(theirs).removeprefix("torch."))
    assert ours == np_dtype and np_dtype == ours and ours == np_dtype.type
    assert ours == np_dtype.name and hash(ours) == hash(np_dtype)
    assert np.dtype(ours) == np_dtype and np.zeros(2, ours).dtype == np_dtype
    assert np.ones(2).astype(ours).dtype == np_dtype and ours.kind == np_dtype.kind
    assert ours.type is np_dtype.type and ours.name == np_dtype.name
    assert ours in {np_dtype} and np_dtype in {ours}
    assert ours == theirs and ours != None  # noqa: E711 - None is no dtype (np.dtype(None) is)
    assert copy.deepcopy(ours) is ours and pickle.loads(pickle.dumps(ours)) is ours


def test_tensor_dtype_is_the_one_dtype_object():
    for name in ("float32", "float64", "int64", "bool", "uint8"):
        x = xa.zeros(2, dtype=getattr(xa, name))
        assert x.dtype is getattr(xa, name)
        assert repr(x.dtype) == repr(torch.zeros(2, dtype=getattr(torch, name)).dtype)
    assert xa.get_default_dtype() is xa.float32
    assert repr(xa.get_default_dtype()) == repr(torch.get_default_dtype())
    assert xa.float32.to_complex() == np.complex64 and xa.float32.to_real() is xa.float32
    assert repr(xa.float64.to_complex()) == repr(torch.float64.to_complex())
    x = xa.zeros(2)
    assert x.to(xa.float64).dtype is xa.float64 and x.to(np.float64).dtype is xa.float64
    assert x.to(torch.float64).dtype is xa.float64 and x.to("cpu", xa.int32).dtype is xa.int32
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.is_signed() and not x.to(xa.uint8).is_signed() and not x.is_complex()
    assert xa.from_numpy(np.zeros(2, ">f4")).dtype is xa.float32  # byte-swapped: the same


# Every predicate PyTorch 2.13 has on Tensor for a device or a layout, and its value on CPU
PREDICATES = [name for name in dir(torch.Tensor) if name.startswith("is_")
              and type(getattr(torch.Tensor, name)).__name__ == "getset_descriptor"
              and name != "is_leaf"]


def test_every_device_predicate_is_there_and_says_what_pytorch_says_on_cpu():
    assert len(PREDICATES) >= 15  # is_cpu, is_cuda, is_xpu, is_mps, is_meta ...
    x, t = xa.zeros(2), torch.zeros(2)
    for name in PREDICATES:
        assert getattr(x, name) == getattr(t, name), name
        assert isinstance(getattr(xa.Tensor, name), property), name
