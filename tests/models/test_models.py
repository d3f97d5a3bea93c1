"""Ready-made models: the perceptron rule, MLP, LeNet-5 as the notes' exam, the BN CNN."""
import numpy as np
import pytest
import torch

import notes
import xarxa as xa
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset, datasets
from xarxa.models import CNN, MLP, LeNet5, Perceptron, build, perceptron_rule
from xarxa.train import fit


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_lenet5_is_the_exam_network():
    model = LeNet5()
    assert n_params(model) == notes.EXAM_2022_LENET5_PARAMS == 61706
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == \
        [(1, 6, (5, 5), (0, 0)), (6, 16, (5, 5), (0, 0))]
    assert sum(isinstance(m, nn.AvgPool2d) for m in model.modules()) == 2
    assert sum(isinstance(m, nn.Tanh) for m in model.modules()) == 6
    x = xa.randn(3, 1, 28, 28)
    out = model(x)
    assert out.shape == (3, 10)
    # A 28×28 image is zero-padded by 2 to the network's 32×32 input.
    padded = xa.tensor(np.pad(x.numpy(), ((0, 0), (0, 0), (2, 2), (2, 2))))
    np.testing.assert_allclose(model(padded).numpy(), out.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="LeNet5"):
        model(xa.randn(1, 1, 30, 30))


def test_lenet5_matches_a_torch_lenet():
    model = LeNet5()
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5), torch.nn.Tanh(), torch.nn.AvgPool2d(2), torch.nn.Tanh(),
        torch.nn.Conv2d(6, 16, 5), torch.nn.Tanh(), torch.nn.AvgPool2d(2), torch.nn.Tanh(),
        torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.Tanh(), torch.nn.Linear(120, 84),
        torch.nn.Tanh(), torch.nn.Linear(84, 10))
    with torch.no_grad():
        for tp, (_, xp) in zip(tm.parameters(), model.named_parameters()):
            tp.copy_(torch.from_numpy(xp.numpy()))
    x = np.random.default_rng(0).normal(size=(2, 1, 32, 32)).astype(np.float32)
    out, tout = model(xa.tensor(x)), tm(torch.from_numpy(x))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    # backward: every parameter gradient of (out * v).sum(), v random
    v = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.from_numpy(v)).sum().backward()
    for tp, (name, xp) in zip(tm.parameters(), model.named_parameters()):
        np.testing.assert_allclose(xp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_cnn_is_the_benchmark_network():
    model = CNN()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert (linears[0].in_features, linears[0].out_features) == (3136, 128)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 2
    assert model(xa.randn(2, 1, 28, 28)).shape == (2, 10)
    small = CNN(image_size=8, num_classes=3)
    assert small(xa.randn(2, 1, 8, 8)).shape == (2, 3)
    with pytest.raises(ValueError, match="CNN"):
        small(xa.randn(2, 1, 28, 28))


def test_mlp():
    model = MLP([64, 128, 32, 10], activation="tanh")
    assert n_params(model) == 64 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10
    assert sum(isinstance(m, nn.Tanh) for m in model.modules()) == 2
    assert model(xa.randn(5, 1, 8, 8)).shape == (5, 10)  # images are flattened
    assert not isinstance(list(model)[-1], nn.Tanh)  # logits: no final activation
    with pytest.raises(ValueError, match=r"MLP: activation must be one of .*got 'gelu'"):
        MLP([2, 2], activation="gelu")
    with pytest.raises(ValueError, match=r"MLP: sizes must list at least an input and an "
                                         r"output.*\[3\]"):
        MLP([3])


@pytest.mark.parametrize("gate, learnable", [("and", True), ("or", True), ("xor", False)])
def test_perceptron_rule_on_logic_gates(gate, learnable):
    x, y = (xa.tensor(a) for a in datasets.logic_gate(gate))
    model = Perceptron(2)
    mistakes = [perceptron_rule(model, x, y, lr=1.0) for _ in range(20)]
    assert (mistakes[-1] == 0) == learnable  # converges iff linearly separable
    if learnable:
        np.testing.assert_array_equal(model(x).numpy(), y.numpy())


def test_perceptron_rule_takes_arrays_and_records_its_in_place_writes():
    x, y = datasets.logic_gate("and")
    model = Perceptron(2)
    w, b = model.linear.weight, model.linear.bias
    before = (w._version, b._version)
    assert perceptron_rule(model, x, y, lr=1.0) > 0   # arrays, as logic_gate returns them
    assert w._version > before[0] and b._version > before[1]   # autograd knows they changed
    with pytest.raises(ValueError, match=r"perceptron_rule: expected x of shape \(N, 2\) and "
                                         r"y of N labels, got x \(4, 3\) and y \(4,\)"):
        perceptron_rule(model, np.zeros((4, 3)), y)
    with pytest.raises(TypeError, match="perceptron_rule: expected a Perceptron, got MLP"):
        perceptron_rule(MLP([2, 1]), x, y)


def test_sgd_on_the_perceptron_criterion_is_the_perceptron_rule():
    x, y = datasets.two_moons(40, noise=0.2, seed=0)
    rule = Perceptron(2)
    for _ in range(3):
        perceptron_rule(rule, xa.tensor(x), xa.tensor(y), lr=0.5)
    model = Perceptron(2)
    fit(model, None, optim.SGD(model.parameters(), lr=0.5),
        DataLoader(TensorDataset(x, y), batch_size=1), epochs=3, progress=False)
    np.testing.assert_allclose(model.linear.weight.numpy(), rule.linear.weight.numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(model.linear.bias.numpy(), rule.linear.bias.numpy(), rtol=1e-6)
    loss = model.loss(xa.tensor(x), xa.tensor(y))
    assert loss.item() >= 0


def test_build():
    assert isinstance(build("lenet5"), LeNet5)
    assert n_params(build("mlp", sizes=[4, 3])) == 15
    with pytest.raises(ValueError, match="unknown model"):
        build("resnet152")
