"""xa.plot: a CNN from inside (saliency against PyTorch's input gradient, filters, feature
maps against the layer's own output) and decision boundaries of the notes' 2-D
classifiers (that `xarxa train` draws them for 2-D datasets is tests/apps/test_cli.py's)."""
import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data.datasets import logic_gate, spirals, two_moons
from xarxa.inspect import feature_maps, saliency
from xarxa.models import MLP, Perceptron, perceptron_rule
from xarxa.plot import _predict_classes, decision_boundary, filters
from xarxa.plot import feature_maps as plot_feature_maps
from xarxa.plot import saliency as plot_saliency
from pictures import assert_picture


def _cnn(channels=1):
    xa.manual_seed(0)
    return nn.Sequential(nn.Conv2d(channels, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.Tanh(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3))


def _torch_cnn(model):
    net = torch.nn.Sequential(torch.nn.Conv2d(model[0].in_channels, 4, 3, padding=1),
                              torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3),
                              torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(24, 3))
    for i in (0, 3, 6):
        net[i].weight.data = torch.tensor(model[i].weight.numpy().copy())
        net[i].bias.data = torch.tensor(model[i].bias.numpy().copy())
    return net


@pytest.mark.parametrize("channels", [1, 3])
def test_saliency_is_the_input_gradient_of_the_class_score(channels, tmp_path):
    model = _cnn(channels)
    x = np.random.default_rng(1).standard_normal((2, channels, 8, 8)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    scores = _torch_cnn(model)(xt)
    target = scores.argmax(dim=1)
    scores[torch.arange(2), target].sum().backward()
    expected = xt.grad.abs().amax(dim=1).numpy()        # |∂score/∂x|, max over channels
    np.testing.assert_allclose(saliency(model, xa.tensor(x)), expected, rtol=1e-5, atol=1e-7)
    fig, maps = plot_saliency(model, x, path=tmp_path / "s.png")
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-7)
    assert_picture(tmp_path / "s.png", min_side=50)
    # a chosen class, for one image (C, H, W)
    xt = torch.tensor(x[:1], requires_grad=True)
    _torch_cnn(model)(xt)[0, 2].backward()
    np.testing.assert_allclose(saliency(model, x[0], target=2),
                               xt.grad.abs().amax(dim=1).numpy(), rtol=1e-5, atol=1e-7)


def test_saliency_of_a_linear_model_is_its_weight_row():
    xa.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 3 * 3, 4))
    x = xa.randn(1, 2, 3, 3)
    w = model[1].weight.numpy().reshape(4, 2, 3, 3)
    np.testing.assert_allclose(saliency(model, x, target=1)[0], np.abs(w[1]).max(axis=0))


def test_saliency_leaves_the_model_alone():
    model = _cnn()
    model.train()
    x = xa.randn(1, 1, 8, 8)
    F.cross_entropy(model(x), xa.tensor([0])).backward()
    grads = [p.grad for p in model.parameters()]
    saliency(model, x)
    assert all(p.grad is g for p, g in zip(model.parameters(), grads))
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match=r"saliency: target must be a class index in \[0, 3\)"):
        saliency(model, x, target=3)
    with pytest.raises(ValueError, match=r"saliency: expected an image \(C, H, W\) or a batch"):
        saliency(model, xa.randn(8, 8))


def test_filters_and_feature_maps(tmp_path):
    model = _cnn(3)
    filters(model, tmp_path / "f.png")                   # the first convolution, in RGB
    assert_picture(tmp_path / "f.png", min_side=50)
    filters(model[3], tmp_path / "f2.png")               # 6 filters × 4 input channels
    assert_picture(tmp_path / "f2.png", min_side=50)
    x = np.random.default_rng(2).standard_normal((3, 8, 8)).astype(np.float32)
    expected = F.conv2d(xa.tensor(x[None]), model[0].weight, model[0].bias, padding=1)
    maps = feature_maps(model, x, model[0])
    np.testing.assert_allclose(maps, expected.numpy()[0], rtol=1e-6)
    fig, maps = plot_feature_maps(model, x, "2", tmp_path / "m.png")  # after the pooling
    assert maps.shape == (4, 4, 4)
    assert_picture(tmp_path / "m.png", min_side=50)
    assert "forward" not in model[2].__dict__            # the recording wrapper is gone
    with pytest.raises(ValueError, match="feature_maps: no layer 'conv9' in the model"):
        feature_maps(model, x, "conv9")
    with pytest.raises(ValueError, match=r"feature maps need \(channels, H, W\)"):
        feature_maps(model, x, "6")
    with pytest.raises(ValueError, match="filters: Sequential has no convolution"):
        filters(nn.Sequential(nn.Linear(2, 2)))


def _fit(model, x, y, loss, steps=300, lr=0.05):
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss(model(xa.tensor(x)), xa.tensor(y)).backward()
        opt.step()
    return model


def test_decision_boundaries_of_the_notes_classifiers(tmp_path):
    x, y = logic_gate("and")
    perceptron = Perceptron(2)
    for _ in range(10):
        perceptron_rule(perceptron, x, y)
    decision_boundary(perceptron, x, y, tmp_path / "perceptron.png")
    xa.manual_seed(0)
    xm, ym = two_moons(100, seed=0)
    logistic = _fit(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()), xm,
                    ym.astype(np.float32)[:, None], F.binary_cross_entropy, steps=100)
    decision_boundary(logistic, xm, ym, tmp_path / "logistic.png")
    xx, yx = logic_gate("xor")
    xor = _fit(MLP([2, 8, 2], activation="tanh"), xx, yx, F.cross_entropy, steps=200)
    decision_boundary(xor, xx, yx, tmp_path / "xor.png")
    xs, ys = spirals(150, classes=3, seed=0)
    mlp = _fit(MLP([2, 32, 32, 3]), xs, ys, F.cross_entropy, steps=100, lr=0.02)
    decision_boundary(mlp, xs, ys, tmp_path / "spirals.png", resolution=60)
    for name in ("perceptron", "logistic", "xor", "spirals"):
        assert_picture(tmp_path / f"{name}.png", min_side=50)
    with pytest.raises(ValueError, match=r"decision_boundary: expected X of shape \(N, 2\)"):
        decision_boundary(mlp, xs[:, :1], ys)


def test_outputs_are_read_as_classes():
    np.testing.assert_array_equal(_predict_classes([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0]]), [1, 0])
    np.testing.assert_array_equal(_predict_classes([0.0, 1.0, 1.0]), [0, 1, 1])   # step
    np.testing.assert_array_equal(_predict_classes([[0.2], [0.7]]), [0, 1])     # probability
    np.testing.assert_array_equal(_predict_classes([-3.0, 0.4, 2.0]), [0, 1, 1])  # logits
