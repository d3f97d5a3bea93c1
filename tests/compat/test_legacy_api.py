"""PyTorch's legacy API that old scripts still use, against PyTorch: `Variable`, the typed
constructors (`FloatTensor` …) from data and from sizes, `Tensor.type(...)` with a dtype, a
legacy type or its name, and `save` of a whole model refused (saying to save the
state_dict, as PyTorch >= 2.6 refuses to load it). First a 0.3-era script, run under both
(see _harness), then each rule on its own."""
import pickle

import numpy as np
import pytest
import torch

import xarxa as xa
from compat._harness import assert_same_run, run_both
from xarxa.autograd import Variable

LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
          "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


def _np(dtype) -> np.dtype:
    """The NumPy dtype of a torch or xarxa dtype."""
    if isinstance(dtype, torch.dtype):
        return torch.empty(0, dtype=dtype).numpy().dtype
    return np.dtype(dtype)


def test_an_old_script_runs_as_under_pytorch(tmp_path):
    expected, actual = run_both("legacy_api.py", tmp_path)
    assert_same_run(expected, actual)
    assert "whole model: refused" in actual.output


# -- typed constructors ----------------------------------------------------------------------

DATA = [[1, 2, 0], [0.0, 1.9, -2.7], [[True, False], [False, True]], [], np.arange(4) % 3,
        np.array([[0.5, 1.5]], dtype=np.float64)]


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("data", DATA, ids=range(len(DATA)))
def test_typed_constructor_from_data_matches_torch(name, data):
    try:
        theirs = getattr(torch, name)(data)
    except RuntimeError:  # a negative float into uint8: out of range
        with pytest.raises(ValueError, match="without overflow"):
            getattr(xa, name)(data)
        return
    ours = getattr(xa, name)(data)
    assert type(ours) is xa.Tensor and _np(ours.dtype) == _np(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert isinstance(ours, getattr(xa, name)) and isinstance(theirs, getattr(torch, name))


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("sizes", [(), (3,), (2, 3), (0, 4)])
def test_typed_constructor_from_sizes_matches_torch(name, sizes):
    ours, theirs = getattr(xa, name)(*sizes), getattr(torch, name)(*sizes)
    assert ours.shape == tuple(theirs.shape) and _np(ours.dtype) == _np(theirs.dtype)
    assert _np(getattr(xa, name).dtype) == _np(getattr(torch, name).dtype)


def test_a_size_gives_a_shape_any_other_tuple_gives_data():
    class Size(tuple):  # PyTorch's and xarxa's shape type have this name
        pass
    assert xa.FloatTensor(Size((2, 3))).shape == tuple(torch.FloatTensor(torch.Size([2, 3])).shape)
    np.testing.assert_array_equal(xa.FloatTensor((2, 3)).numpy(), torch.FloatTensor((2, 3)))


def test_typed_constructor_overflow_and_tensor_rules_as_torch():
    assert xa.ByteTensor([-1, -128]).tolist() == torch.ByteTensor([-1, -128]).tolist()
    for name, data in (("ByteTensor", [256]), ("CharTensor", [200]), ("IntTensor", [2 ** 31]),
                       ("LongTensor", [1e30]), ("ByteTensor", [-1.5])):
        with pytest.raises(RuntimeError, match="overflow"):
            getattr(torch, name)(data)
        with pytest.raises(ValueError, match=f"{name}: a value cannot be converted .*overflow"):
            getattr(xa, name)(data)
    a = xa.tensor([1.0, 2.0], requires_grad=True)
    alias = xa.FloatTensor(a)                     # the same dtype: an alias in the graph
    (alias * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="FloatTensor: expected a tensor of dtype float32"):
        xa.FloatTensor(xa.tensor([1, 2]))
    for bad in (3.5, "ab"):
        with pytest.raises(TypeError, match="data must be a sequence"):
            xa.FloatTensor(bad)
    with pytest.raises(RuntimeError, match="'cuda' is not available"):
        xa.FloatTensor(2, device="cuda")


# -- Tensor.type -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                    "ByteTensor", "BoolTensor", "HalfTensor"])
def test_type_with_a_legacy_type_or_its_name_matches_torch(target):
    values = np.array([[0.0, 1.5], [2.7, 3.0]])
    ours, theirs = xa.tensor(values, dtype=xa.float32), torch.tensor(values, dtype=torch.float32)
    for ours_arg, theirs_arg in ((getattr(xa, target), getattr(torch, target)),
                                 (f"torch.{target}", f"torch.{target}")):
        cast, expected = ours.type(ours_arg), theirs.type(theirs_arg)
        assert _np(cast.dtype) == _np(expected.dtype)
        np.testing.assert_array_equal(cast.numpy(), expected.numpy())
    assert ours.type(f"xarxa.{target}").dtype == getattr(xa, target).dtype
    assert ours.type(xa.FloatTensor) is ours and theirs.type(torch.FloatTensor) is theirs


def test_type_refuses_unknown_names_and_the_gpu():
    x = xa.ones(2)
    for name in ("DoubleTensor", "torch.FooTensor"):
        with pytest.raises(ValueError):
            torch.ones(2).type(name)
        with pytest.raises(TypeError, match=f"Tensor.type: unknown tensor type '{name}'"):
            x.type(name)
    with pytest.raises(RuntimeError, match="Tensor.type: device 'cuda' is not available"):
        x.type("torch.cuda.FloatTensor")


# -- Variable --------------------------------------------------------------------------------

@pytest.mark.parametrize("requires_grad", [False, True])
def test_variable_is_a_detached_leaf_sharing_the_data(requires_grad):
    for lib in (torch, xa):
        Var = torch.autograd.Variable if lib is torch else Variable
        a = lib.ones(3, requires_grad=True)
        b = a * 2                                   # a non-leaf: Variable cuts it out
        v = Var(b, requires_grad=requires_grad)
        assert v is not b and v.requires_grad == requires_grad and v.is_leaf
        assert v.grad_fn is None and isinstance(v, Var) and isinstance(b, Var)
        v.data.add_(1)                                # shares b's memory
        assert b.tolist() == [3.0, 3.0, 3.0]
    v = Variable(xa.zeros(2), True)                   # requires_grad positionally, as torch
    (v * v).sum().backward()
    assert v.grad.tolist() == [0.0, 0.0]


def test_variable_refusals_and_volatile_as_torch():
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        torch.autograd.Variable([1.0])
    with pytest.raises(TypeError, match="Variable: data has to be a tensor, but got list"):
        Variable([1.0])
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert not Variable(xa.ones(2), volatile=True).requires_grad
    with pytest.raises(TypeError, match="only floating-point tensors"):
        Variable(xa.tensor([1, 2]), requires_grad=True)


# -- save of a whole model ------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".pth", ".pt", ".npz", ".safetensors"])
def test_saving_a_whole_model_is_refused_with_what_to_do(tmp_path, suffix):
    model = xa.nn.Sequential(xa.nn.Linear(2, 3))
    with pytest.raises(TypeError, match=r"save: cannot save a whole Sequential module, only "
                       r"its weights: xa.save\(model.state_dict\(\), path\).*PyTorch >= 2.6 "
                       r"refuses to load such a file by default too"):
        xa.save(model, tmp_path / f"model{suffix}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match=r"cannot store a Sequential at 'model' in a .pth file "
                                        r"\(save its state_dict\(\) instead: a whole module"):
        xa.save({"model": model}, tmp_path / "checkpoint.pth")
    xa.save(model.state_dict(), tmp_path / f"weights{suffix}")   # the weights are fine


def test_pytorch_refuses_to_load_a_whole_model_by_default(tmp_path):
    """What the message above says of PyTorch >= 2.6 (weights_only=True by default)."""
    torch.save(torch.nn.Linear(2, 3), tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(tmp_path / "model.pt")
