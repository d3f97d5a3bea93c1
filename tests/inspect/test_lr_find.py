"""inspect.lr_find: the range test on a small regression suggests a sensible rate, stops
at the divergence, and leaves the model, the optimizer, the loader and the random
generator exactly as they were."""
import numpy as np
import pytest
from matplotlib.image import imread

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset
from xarxa.inspect import lr_find


def _problem(seed=0):
    """y = x·w + noise, 4 features of unit variance: the loss's curvature is ≈ 2, so plain
    GD diverges above a rate of ≈ 1 (less with momentum and noisy batches)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)
         + 0.1 * rng.standard_normal((256, 1))).astype(np.float32)
    xa.manual_seed(seed)
    return nn.Linear(4, 1), TensorDataset(x, y)


@pytest.mark.parametrize("suggest", ["steepest", "minimum"])
def test_suggestion_is_sensible_and_below_the_divergence(suggest, tmp_path):
    model, data = _problem()
    found = lr_find(model, F.mse_loss, DataLoader(data, batch_size=32, shuffle=True),
                    num_steps=100, suggest=suggest, path=tmp_path / "lr.png")
    assert found.stopped_early and found.lrs[-1] < 10.0      # SGD + momentum blew up
    assert 1e-4 <= found.suggestion <= 0.1
    assert found.suggestion < found.lrs[-1] / 10
    assert np.all(np.diff(np.log(found.lrs)) > 0)
    np.testing.assert_allclose(np.log(found.lrs[1]) - np.log(found.lrs[0]),
                               np.log(1e8) / 99)                # exponential from 1e-7 to 10
    assert found.method == suggest and suggest in repr(found)
    image = imread(tmp_path / "lr.png")
    assert image.shape[0] > 100 and image.std() > 0
    # three epochs at the suggestion learn; at the sweep's start they do not
    def trained(lr):
        m, d = _problem()
        opt = optim.SGD(m.parameters(), lr=lr, momentum=0.9)
        for x, y in list(DataLoader(d, batch_size=32)) * 3:
            opt.zero_grad()
            F.mse_loss(m(x), y).backward()
            opt.step()
        return F.mse_loss(m(xa.tensor(d.arrays[0])), xa.tensor(d.arrays[1])).item()
    assert trained(found.suggestion) < 0.6 * trained(1e-6)   # 1e-6 leaves it where it was


def test_everything_is_restored_exactly():
    model, data = _problem()
    model.eval()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(data, batch_size=16, shuffle=True, seed=5)
    for x, y in list(loader)[:3]:  # some history: Adam's moments, a step count
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    arrays = [p.numpy() for p in model.parameters()]
    values = [a.copy() for a in arrays]
    grads = [p.grad for p in model.parameters()]
    state = opt.state_dict()
    loader_state = loader.state_dict()
    rng = xa.get_rng_state()
    expected_draw = xa.randn(3).numpy()
    xa.set_rng_state(rng)
    found = lr_find(model, F.mse_loss, loader, end_lr=1.0, num_steps=30, optimizer=opt)
    assert len(found.lrs) >= 2
    for p, a, v, g in zip(model.parameters(), arrays, values, grads):
        assert p.numpy() is a and np.array_equal(a, v) and p.grad is g
    after = opt.state_dict()
    assert after["param_groups"] == state["param_groups"]            # lr 1e-3 again
    for i, buffers in state["state"].items():
        for k, v in buffers.items():
            np.testing.assert_array_equal(after["state"][i][k], v)
    assert loader.state_dict() == loader_state
    assert not model.training                                          # eval mode kept
    np.testing.assert_array_equal(xa.randn(3).numpy(), expected_draw)


def test_bad_input():
    model, data = _problem()
    loader = DataLoader(data, batch_size=32)
    with pytest.raises(ValueError, match="lr_find: need 0 < start_lr < end_lr"):
        lr_find(model, F.mse_loss, loader, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="lr_find: num_steps must be an integer >= 2"):
        lr_find(model, F.mse_loss, loader, num_steps=1)
    with pytest.raises(ValueError, match="suggest must be 'steepest' or 'minimum'"):
        lr_find(model, F.mse_loss, loader, suggest="valley")
    with pytest.raises(ValueError, match=r"smooth must be in \[0, 1\)"):
        lr_find(model, F.mse_loss, loader, smooth=1.0)
    with pytest.raises(FloatingPointError, match=r"the loss diverged at once \(1 step\(s\) "
                                                 r"from lr 1e-07; losses \[inf\]\)"):
        lr_find(model, lambda out, y: F.mse_loss(out, y) * float("inf"), loader)
