"""Initialisation (notes §1.4.7): the schemes' statistics, the layers' `init=` argument, and
the notes' two warnings (zero weights, constant weights)."""
import math

import numpy as np
import pytest

import xarxa as xa
from xarxa import nn


def big():
    return nn.Parameter(np.empty((400, 300), dtype=np.float32))   # fan_in 300, fan_out 400


@pytest.mark.parametrize("fn, std", [
    (nn.init.xavier_normal_, math.sqrt(2 / 700)), (nn.init.xavier_uniform_, math.sqrt(2 / 700)),
    (lambda t: nn.init.he_normal_(t, nonlinearity="relu"), math.sqrt(2 / 300)),
    (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 300)),
    (nn.init.notes_normal_, 1 / math.sqrt(300)),
    (lambda t: nn.init.normal_(t, 0.0, 0.2), 0.2),
    (lambda t: nn.init.uniform_(t, -1, 1), 1 / math.sqrt(3))])
def test_scheme_statistics(fn, std):
    xa.manual_seed(0)
    t = fn(big())
    assert t.dtype == np.float32
    assert abs(t.numpy().mean()) < 0.05 * std
    assert abs(t.numpy().std() - std) < 0.03 * std


def test_constants_and_aliases():
    t = big()
    assert (nn.init.zeros_(t).numpy() == 0).all()
    assert (nn.init.constant_(t, 0.3).numpy() == np.float32(0.3)).all()
    assert (nn.init.ones_(t).numpy() == 1).all()
    assert nn.init.he_normal_ is nn.init.kaiming_normal_
    assert nn.init.he_uniform_ is nn.init.kaiming_uniform_
    assert nn.init.fan_in_and_fan_out(nn.Parameter(np.empty((6, 1, 5, 5)))) == (25, 150)


def test_layers_init_argument():
    xa.manual_seed(1)
    for init in ("xavier", "he", "notes"):
        layer = nn.Linear(300, 200, init=init)
        assert (layer.bias.numpy() == 0).all()   # the notes: biases start at zero
    notes = nn.Conv2d(30, 40, 3, init="notes")
    assert abs(notes.weight.numpy().std() - 1 / math.sqrt(270)) < 0.05 / math.sqrt(270)
    default = nn.Linear(100, 50)
    assert np.abs(default.weight.numpy()).max() <= 0.1 and \
        np.abs(default.bias.numpy()).max() <= 0.1   # PyTorch: U(±1/√fan_in)
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        nn.Linear(2, 2, init="glorot")


def mlp_gradients(fill):
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(),
                          nn.Linear(5, 1))
    for layer in (model[0], model[2], model[4]):
        fill(layer.weight)
        nn.init.zeros_(layer.bias)
    xa.manual_seed(3)
    x, y = xa.randn(8, 4), xa.randn(8, 1)
    ((model(x) - y) ** 2).mean().backward()
    return model


def test_zero_weights_give_hidden_units_zero_gradients():
    model = mlp_gradients(nn.init.zeros_)
    for layer in (model[0], model[2]):
        assert (layer.weight.grad.numpy() == 0).all()   # stuck: nothing flows back


def test_constant_weights_never_break_symmetry():
    model = mlp_gradients(lambda w: nn.init.constant_(w, 0.3))
    for layer in (model[0], model[2]):
        g = layer.weight.grad.numpy()
        np.testing.assert_allclose(g, np.broadcast_to(g[0], g.shape), rtol=1e-5)
        assert np.abs(g).max() > 0   # units do learn, but all the same thing
