"""Printing like PyTorch (xarxa/_printing.py): `str`/`repr` of the same values, character for
character equal to PyTorch's, across dtypes, sizes and special values, with gradients, and
under every print option."""
import math

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

RNG = np.random.default_rng(0)


def both(a):
    """The same array as a PyTorch and as a xarxa tensor."""
    a = np.asarray(a)
    return torch.from_numpy(a.copy()), xa.tensor(a)


def same_text(a):
    t, x = both(a)
    assert str(x) == str(t), f"\n--- PyTorch\n{t}\n--- xarxa\n{x}"
    assert repr(x) == repr(t)


@pytest.fixture
def options():
    """Set print options in both libraries; restore the defaults afterwards."""
    def set_both(**kwargs):
        torch.set_printoptions(**kwargs)
        xa.set_printoptions(**kwargs)
    yield set_both
    torch.set_printoptions(profile="default")
    xa.set_printoptions(profile="default")


F32 = np.float32
VALUES = {
    "integer-valued floats": np.array([1.0, 2.0, -3.0], F32),
    "four decimals": np.array([1.5, 2.25, -0.125], F32),
    "random matrix": RNG.standard_normal((3, 4)).astype(F32),
    "3-d": RNG.standard_normal((2, 3, 4)).astype(F32),
    "4-d": RNG.standard_normal((2, 1, 2, 3)).astype(F32),
    "0-d": np.array(3.5, F32),
    "0-d integer-valued": np.array(3.0, F32),
    "0-d negative": np.array(-0.5, F32),
    "0-d nan": np.array(np.nan, F32),
    "0-d inf": np.array(-np.inf, F32),
    "zeros": np.zeros((2, 2), F32),
    "negative zero": np.array([-0.0, 0.0], F32),
    "wide range: scientific": np.array([1e-5, 1.0, 3.0], F32),
    "ratio over 1000": np.array([0.001, 2.0], F32),
    "ratio just under 1000": np.array([0.002, 1.9], F32),
    "huge": np.array([1e9, 2.5e9], F32),
    "huge integer-valued": np.array([1e8, 3e8], F32),
    "tiny": np.array([1e-9, -2.5e-8], F32),
    "nan among values": np.array([np.nan, 1.5, -2.0], F32),
    "inf among integers": np.array([np.inf, -np.inf, 1.0], F32),
    "only nan and inf": np.array([np.nan, np.inf], F32),
    "float64": RNG.standard_normal(3),
    "float64 integer-valued": np.array([1.0, 2.0]),
    "float16": np.array([0.1, 1.5, -2.0], np.float16),
    "int64": np.array([1, -20, 300]),
    "int64 matrix": np.arange(12).reshape(3, 4) - 5,
    "int32": np.array([1, 2], np.int32),
    "int16": np.array([[1], [-2]], np.int16),
    "int8": np.array([-128, 127], np.int8),
    "uint8": np.array([0, 255], np.uint8),
    "0-d int": np.array(7),
    "bool": np.array([True, False, True]),
    "bool matrix": np.eye(2, dtype=bool),
    "empty": np.zeros(0, F32),
    "empty matrix": np.zeros((0, 3), F32),
    "empty 3-d": np.zeros((2, 0, 1), F32),
    "empty int64": np.zeros(0, np.int64),
    "empty bool": np.zeros((0, 2), bool),
    "empty float64": np.zeros(0),
    "long vector (wraps)": RNG.standard_normal(40).astype(F32),
    "long int vector (wraps)": np.arange(100),
    "summarised vector": np.arange(2000),
    "summarised floats": RNG.standard_normal(1500).astype(F32),
    "summarised matrix": RNG.standard_normal((100, 100)).astype(F32),
    "summarised wide rows": RNG.standard_normal((5, 300)).astype(F32),
    "summarised 3-d": RNG.standard_normal((12, 10, 10)).astype(F32),
    "summarised bools": np.arange(1200) % 3 == 0,
    "exactly the threshold": np.arange(1000, dtype=F32),
    "one over the threshold": np.arange(1001, dtype=F32) / 7,
    "large magnitude spread": np.array([[1e-3, 5e4], [2.0, -7.0]], F32),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_values_print_as_in_pytorch(name):
    same_text(VALUES[name])


def test_default_dtype_float64_prints_as_in_pytorch():
    a = np.array([1.5, 2.0])
    torch.set_default_dtype(torch.float64)
    xa.set_default_dtype(xa.float64)
    try:
        same_text(a)
        same_text(a.astype(F32))  # now float32 is the one that says its dtype
        same_text(np.zeros(0))
    finally:
        torch.set_default_dtype(torch.float32)
        xa.set_default_dtype(xa.float32)


def test_gradient_suffixes_as_in_pytorch():
    a = RNG.standard_normal((2, 3)).astype(F32)
    w = RNG.standard_normal((4, 3)).astype(F32)
    t, x = both(a)
    tw, xw = both(w)
    t.requires_grad_(), x.requires_grad_(), tw.requires_grad_(), xw.requires_grad_()
    assert str(x) == str(t)                                      # requires_grad=True
    for f in (lambda v, _: v * 2, lambda v, _: v + 1, lambda v, _: (v * v).sum(),
              lambda v, _: v.mean(), lambda v, _: v.exp(), lambda v, k: v @ k.T,
              lambda v, k: v.relu() - 1, lambda v, _: v.tanh().sigmoid(),
              lambda v, _: v[0], lambda v, _: v.sum(1)):
        assert str(f(x, xw)) == str(f(t, tw))
    # float64 with a gradient: both suffixes, wrapped onto new lines at width 80
    t64, x64 = both(RNG.standard_normal(7))
    t64.requires_grad_(), x64.requires_grad_()
    assert str(x64 * 3) == str(t64 * 3)
    assert str(x64.detach()) == str(t64.detach())


def test_losses_print_their_pytorch_node():
    out, target = RNG.standard_normal((4, 3)).astype(F32), RNG.standard_normal((4, 3))
    to, xo = both(out)
    to.requires_grad_(), xo.requires_grad_()
    tt, xt = both(target.astype(F32))
    labels_t, labels_x = both(np.array([0, 2, 1, 1]))
    assert str(xa.nn.functional.mse_loss(xo, xt)) == str(torch.nn.functional.mse_loss(to, tt))
    assert str(xa.nn.functional.cross_entropy(xo, labels_x)) == \
        str(torch.nn.functional.cross_entropy(to, labels_t))
    loss_x = xa.nn.functional.mse_loss(xo, xt)
    loss_x.backward()  # printing after backward (the graph freed) keeps the name
    assert str(loss_x) == str(torch.nn.functional.mse_loss(to, tt))


def test_parameters_print_as_in_pytorch():
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.weight.data = xa.tensor(layer.weight.detach().numpy())
    ours.bias.data = xa.tensor(layer.bias.detach().numpy())
    assert str(ours.weight) == str(layer.weight)
    assert repr(ours.bias) == repr(layer.bias)


@pytest.mark.parametrize("kwargs", [
    {"precision": 2}, {"precision": 6}, {"precision": 0},
    {"threshold": 5}, {"threshold": 5, "edgeitems": 1}, {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0}, {"linewidth": 40}, {"linewidth": 200}, {"sci_mode": True},
    {"sci_mode": False}, {"profile": "short"}, {"profile": "full"},
    {"profile": "short", "precision": 3},
])
def test_print_options_as_in_pytorch(options, kwargs):
    options(**kwargs)
    for name in ("four decimals", "random matrix", "wide range: scientific", "int64 matrix",
                 "summarised vector", "summarised matrix", "long vector (wraps)",
                 "integer-valued floats", "huge", "0-d", "bool", "empty matrix",
                 "nan among values", "float64", "3-d"):
        same_text(VALUES[name])


def test_sci_mode_is_reset_by_every_call_as_in_pytorch(options):
    options(sci_mode=True)
    options(precision=3)      # no sci_mode: back to automatic, as PyTorch does
    same_text(VALUES["four decimals"])
    assert xa._printing.get_printoptions() == {"precision": 3, "threshold": 1000,
                                               "edgeitems": 3, "linewidth": 80,
                                               "sci_mode": None}


def test_printoptions_block_restores_and_profiles_are_checked():
    with xa._printing.printoptions(precision=1):
        assert str(xa.tensor([1.25])) == "tensor([1.2])"
    assert str(xa.tensor([1.25])) == "tensor([1.2500])"
    with pytest.raises(ValueError, match="set_printoptions: unknown profile 'long'"):
        xa.set_printoptions(profile="long")
    assert xa._printing.OPTIONS.threshold == 1000
    xa.set_printoptions(profile="full")
    assert xa._printing.OPTIONS.threshold == math.inf
    xa.set_printoptions(profile="default")


def test_the_name_label_follows_pytorch_text():
    w = xa.tensor([1.0, 2.0], requires_grad=True, name="w")
    assert repr(w) == "tensor([1., 2.], requires_grad=True, name='w')"
    assert str(xa.tensor([0, 0], dtype=xa.int32, name="n")) == \
        "tensor([0, 0], dtype=torch.int32, name='n')"


def test_format_of_a_number_and_of_a_tensor():
    t, x = both(np.array(0.123456, F32))
    assert f"{x:.3f}" == f"{t:.3f}" and f"{x}" == f"{t}"
    t, x = both(np.arange(3))
    assert f"{x}" == f"{t}"
