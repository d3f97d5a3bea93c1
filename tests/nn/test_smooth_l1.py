"""SmoothL1Loss / F.smooth_l1_loss against PyTorch (every reduction, several β, β = 0) and a
float64 gradcheck; its relation to the Huber loss; its errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn
from xarxa.testing import assert_matches_torch, gradcheck


def _pair(shape, beta, seed=0):
    """Inputs whose errors stay away from the kinks at 0 and ±β."""
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.standard_normal(shape) * 2)
    d = np.asarray(rng.standard_normal(shape) * 2)
    for k in (0.0, beta):
        near = np.abs(np.abs(d) - k) < 0.05
        d[near] += 0.15
    return x, x - d


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.3, 2.5, 0.0])
@pytest.mark.parametrize("shape", [(6,), (3, 4), ()])
def test_smooth_l1_matches_torch(reduction, beta, shape):
    x, y = _pair(shape, beta)
    assert_matches_torch(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                         lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                         [x, y])
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                     [x, y])


def test_the_module_and_its_relation_to_huber():
    x, y = _pair((4, 3), 0.5)
    xx, yy = xa.tensor(x), xa.tensor(y)
    loss = nn.SmoothL1Loss(beta=0.5, reduction="sum")(xx, yy)
    expected = TF.smooth_l1_loss(torch.tensor(x), torch.tensor(y), beta=0.5, reduction="sum")
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    huber = F.huber_loss(xx, yy, delta=0.5, reduction="sum")
    np.testing.assert_allclose(loss.item(), huber.item() / 0.5, rtol=1e-12)   # Huber/β
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(reduction='mean')"


def test_smooth_l1_errors():
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative, got -1"):
        F.smooth_l1_loss(xa.zeros(2), xa.zeros(2), beta=-1)
    with pytest.raises(ValueError, match="SmoothL1Loss: beta must be non-negative"):
        nn.SmoothL1Loss(beta=-0.5)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: target shape torch.Size\(\[3\]\) does "
                                         r"not match input shape torch.Size\(\[2\]\)"):
        F.smooth_l1_loss(xa.zeros(2), xa.zeros(3))
    with pytest.raises(ValueError, match="SmoothL1Loss: reduction must be one of"):
        nn.SmoothL1Loss(reduction="avg")
