"""PyTorch's activation layers (LeakyReLU, ELU, GELU, SiLU, Softplus, ReLU(inplace)) and
their functional forms against torch.nn: forward, input gradient, the in-place forms'
graph and version-counter behaviour, and their errors. (The ops themselves are gradchecked
in float64 through tests/op_table.py.)"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn

from nn._parity import check_layer


def sample(*shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x[np.abs(x) < 0.05] = 0.3   # away from the kink at 0
    return x


@pytest.mark.parametrize("layer, torch_layer", [
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.ELU(), torch.nn.ELU()), (nn.ELU(0.5), torch.nn.ELU(0.5)),
    (nn.GELU(), torch.nn.GELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.Softplus(), torch.nn.Softplus()), (nn.Softplus(2.0, 3.0), torch.nn.Softplus(2.0, 3.0)),
    (nn.Softplus(-1.5), torch.nn.Softplus(-1.5)),
    (nn.ReLU(inplace=False), torch.nn.ReLU()), (nn.Identity(3, x=2), torch.nn.Identity()),
])
def test_activation_layers_match_torch(layer, torch_layer):
    check_layer(layer, torch_layer, sample(2, 3, 5))
    assert repr(layer) == repr(torch_layer)   # same settings shown, as PyTorch shows them


def test_extreme_inputs_stay_finite_and_match_torch():
    x = np.array([-1e4, -60.0, -20.0, -1e-3, 1e-3, 20.0, 60.0, 1e4], dtype=np.float32)
    for fn, tfn in [(F.gelu, TF.gelu), (F.silu, TF.silu), (F.softplus, TF.softplus),
                    (F.elu, TF.elu), (lambda t: F.gelu(t, approximate="tanh"),
                                      lambda t: TF.gelu(t, approximate="tanh"))]:
        xx, tx = xa.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = fn(xx), tfn(tx)
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)
        assert out.dtype == np.float32


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {"alpha": 0.5}),
    ("silu", {})])
def test_inplace_forms_inside_the_graph_match_torch(name, kwargs):
    x = sample(3, 4)
    xx, tx = xa.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    h, th = xx * 2, tx * 2
    out = getattr(F, name)(h, inplace=True, **kwargs)
    tout = getattr(TF, name)(th, inplace=True, **kwargs)
    assert out is h and h._version == 1 and th._version == 1   # written in place
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-6)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_inplace_relu_layer_in_a_model_matches_torch():
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 2),
                          nn.LeakyReLU(0.1, inplace=True))
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(inplace=True),
                                 torch.nn.Linear(8, 2), torch.nn.LeakyReLU(0.1, inplace=True))
    check_layer(model, tmodel, sample(5, 4))


def test_inplace_refuses_what_pytorch_refuses():
    leaf = xa.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.relu(leaf, inplace=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.leaky_relu(leaf, inplace=True)
    h = leaf.exp()            # exp saved its output: overwriting it breaks exp's backward
    F.elu(h, inplace=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_inplace_outside_the_graph_writes_and_bumps_the_version():
    x = xa.tensor([-2.0, 3.0])
    y = F.leaky_relu(x, 0.5, inplace=True)
    assert y is x and x._version == 1
    np.testing.assert_array_equal(x.numpy(), [-1.0, 3.0])
    with xa.no_grad():
        w = xa.tensor([-1.0, 1.0], requires_grad=True)
        F.silu(w, inplace=True)         # allowed under no_grad, as the manual update is
    np.testing.assert_allclose(w.numpy(), TF.silu(torch.tensor([-1.0, 1.0])).numpy(),
                               rtol=1e-6)


def test_activation_errors():
    with pytest.raises(ValueError, match=r"GELU: approximate must be 'none' or 'tanh', got "
                                         r"'erf'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(xa.zeros(2), approximate="fast")
    with pytest.raises(ValueError, match="Softplus: beta must be non-zero"):
        nn.Softplus(0)
    with pytest.raises(TypeError, match="elu: expected a floating tensor, got dtype torch.int64"):
        F.elu(xa.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"^SiLU: silu: expected a floating tensor"):
        nn.SiLU()(xa.tensor([1, 2]))
    with pytest.raises(TypeError, match="softplus: expected a Tensor, got list"):
        F.softplus([1.0])


def test_functional_names_are_pytorchs():
    for name in ("relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "layer_norm",
                 "embedding", "dropout", "dropout2d", "smooth_l1_loss"):
        assert callable(getattr(F, name)), name
