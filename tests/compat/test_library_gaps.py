"""What the compat scripts found missing or wrong in xarxa, each fixed and checked against
PyTorch here: `Tensor.t()` (LinearFunction in "Extending PyTorch"), `Tensor.type(dtype)`
(the quickstart's `(pred.argmax(1) == y).type(torch.float)`), `F.pairwise_distance`
(Siamese tutorials' contrastive loss), BatchNorm's repr with `bias=` (torch 2.13, printed
by the DCGAN tutorial) and batch_norm's variance on the convolutions' CHWN layout (a
ResNet on Fashion-MNIST drifted from PyTorch after one step)."""
import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from xarxa.testing import assert_matches_torch, gradcheck


# -- Tensor.t() ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (4,), (3, 5), (1, 2)])
def test_t_matches_torch(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    assert_matches_torch(lambda x: x.t() * 1.0, lambda x: x.t() * 1.0, [a])
    assert xa.tensor(a).t().shape == tuple(torch.tensor(a).t().shape)


def test_t_gradient_and_refusal():
    gradcheck(lambda x: x.t() @ x, [np.random.default_rng(1).standard_normal((3, 2))])
    with pytest.raises(ValueError, match=r"t: expects a tensor with <= 2 dimensions, got "
                                         r"shape torch.Size\(\[2, 3, 4\]\)"):
        xa.zeros(2, 3, 4).t()


# -- Tensor.type ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "int16", "int32",
                                  "int64", "uint8", "bool"])
def test_type_names_and_casts_as_torch(name):
    values = np.array([0.0, 1.0, 2.7, -1.5])
    if name in ("uint8", "bool"):
        values = np.abs(values)
    ours, theirs = xa.tensor(values).to(getattr(xa, name)), \
        torch.tensor(values).to(getattr(torch, name))
    assert ours.type() == theirs.type()                    # "torch.FloatTensor", as PyTorch
    for target in ("float32", "int64", "float64"):
        cast, expected = ours.type(getattr(xa, target)), theirs.type(getattr(torch, target))
        assert cast.dtype == np.dtype(target)
        np.testing.assert_array_equal(cast.numpy(), expected.numpy())


def test_type_keeps_the_graph_between_float_types():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    x.type(xa.float64).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert x.type(xa.float32) is x            # as torch: no copy when nothing changes
    with pytest.raises(TypeError, match="Tensor.type: unknown or unsupported dtype"):
        x.type("complex-ish")


# -- F.pairwise_distance -------------------------------------------------------------

@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch(p, keepdim):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    assert_matches_torch(lambda x, y: F.pairwise_distance(x, y, p=p, keepdim=keepdim),
                         lambda x, y: torch.nn.functional.pairwise_distance(
                             x, y, p=p, keepdim=keepdim), [a, b])
    gradcheck(lambda x, y: F.pairwise_distance(x, y, p=p, keepdim=keepdim), [a, b])


def test_pairwise_distance_eps_broadcasting_and_identical_rows():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    for eps in (1e-6, 0.0, 0.5):
        assert_matches_torch(lambda x, y: F.pairwise_distance(x, y, eps=eps),
                             lambda x, y: torch.nn.functional.pairwise_distance(x, y, eps=eps),
                             [a, b])
    # eps keeps the gradient finite where the two rows are equal, as in PyTorch
    assert_matches_torch(lambda x, y: F.pairwise_distance(x, y),
                         lambda x, y: torch.nn.functional.pairwise_distance(x, y), [a, a])
    with pytest.raises(ValueError, match=r"shapes torch.Size\(\[3, 4\]\) and "
                                         r"torch.Size\(\[3, 5\]\) cannot be broadcast"):
        F.pairwise_distance(xa.zeros(3, 4), xa.zeros(3, 5))


# -- BatchNorm -------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"bias": False},
                                    {"track_running_stats": False}, {"momentum": None},
                                    {"eps": 1e-3, "momentum": 0.5}])
@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d"])
def test_batch_norm_repr_as_torch(cls, kwargs):
    assert repr(getattr(xa.nn, cls)(6, **kwargs)) == repr(getattr(torch.nn, cls)(6, **kwargs))


def test_batch_norm_on_the_convolutions_layout_is_as_precise_as_torch():
    """A convolution's output is stored CHWN (xarxa/autograd/ops/_layout.py): one channel
    is one run of H·W·N values, which einsum used to add in a single float32 partial sum —
    the normalised output was 50× further from float64 than PyTorch's float32 (6e-5)."""
    rng = np.random.default_rng(4)
    n, c, h, w = 32, 4, 28, 28
    x = (rng.standard_normal((n, c, h, w)) * 0.3 + 0.1).astype(np.float32)
    chwn = xa.Tensor(np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
                     requires_grad=True)
    assert not chwn.numpy().flags.c_contiguous
    g = rng.standard_normal(x.shape).astype(np.float32)
    out = xa.nn.BatchNorm2d(c)(chwn)
    out.backward(xa.tensor(g))

    def torch_run(dtype):
        t = torch.tensor(x, dtype=dtype, requires_grad=True)
        o = torch.nn.functional.batch_norm(t, None, None, training=True)
        o.backward(torch.tensor(g, dtype=dtype))
        return o.detach().numpy().astype(np.float64), t.grad.numpy().astype(np.float64)

    ref_out, ref_grad = torch_run(torch.float64)
    t_out, t_grad = torch_run(torch.float32)
    for ours, theirs, ref in ((out.numpy(), t_out, ref_out),
                              (chwn.grad.numpy(), t_grad, ref_grad)):
        error, torch_error = np.abs(ours - ref).max(), np.abs(theirs - ref).max()
        assert error <= 2 * torch_error, (error, torch_error)   # was 3-4x before the fix


# -- xa.load(path, map_location=, weights_only=) ---------------------------------------

def test_load_takes_torch_loads_arguments(tmp_path):
    """The Quickstart's `torch.load("model.pth", weights_only=True)` and the common
    `torch.load(PATH, map_location=device)`: the same tensors as PyTorch reads."""
    path = tmp_path / "model.pth"
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "b": torch.ones(3)}, path)
    for kwargs in ({}, {"weights_only": True}, {"weights_only": False},
                   {"map_location": "cpu"}, {"map_location": xa.device("cpu")},
                   {"map_location": "cpu:0"},
                   {"map_location": {"cuda:0": "cpu"}},
                   {"map_location": lambda storage, loc: storage}):
        state = xa.load(path, **kwargs)
        assert list(state) == ["w", "b"]
        np.testing.assert_array_equal(state["w"].numpy(), torch.load(path)["w"].numpy())
    with pytest.raises(RuntimeError, match="load: device 'cuda' is not available"):
        xa.load(path, map_location="cuda")
    with pytest.raises(TypeError, match="load: weights_only must be a bool or None, got 'yes'"):
        xa.load(path, weights_only="yes")


# -- use_deterministic_algorithms ---------------------------------------------------------

def test_use_deterministic_algorithms_as_torch(monkeypatch):
    """The DCGAN tutorial's `torch.use_deterministic_algorithms(True)`: accepted and
    reported back as torch reports it (xarxa's kernels are deterministic anyway)."""
    from xarxa import backends
    monkeypatch.setattr(backends, "_deterministic", {"mode": False, "warn_only": False})
    for lib in (xa, torch):
        assert lib.are_deterministic_algorithms_enabled() is False
    try:
        for args, kwargs in (((True,), {}), ((True,), {"warn_only": True}), ((False,), {})):
            for lib in (xa, torch):
                lib.use_deterministic_algorithms(*args, **kwargs)
            assert xa.are_deterministic_algorithms_enabled() is \
                torch.are_deterministic_algorithms_enabled()
            assert xa.is_deterministic_algorithms_warn_only_enabled() is \
                torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)
    with pytest.raises(TypeError, match="use_deterministic_algorithms: mode must be a bool"):
        xa.use_deterministic_algorithms("yes")
