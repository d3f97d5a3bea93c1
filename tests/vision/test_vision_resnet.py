"""xarxa.vision.models.resnet18 against torchvision's ResNet-18, rebuilt here in plain
torch.nn (torchvision is not a dependency): names, shapes, parameter count,
initialisation, and forward/backward in train and eval mode from the same weights."""
import math

import numpy as np
import pytest
import torch
from torch import nn as tnn

import xarxa as xa
from xarxa.vision import models


class TorchBasicBlock(tnn.Module):
    """torchvision.models.resnet.BasicBlock, transcribed."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TorchResNet(tnn.Module):
    """torchvision.models.resnet.ResNet for BasicBlock, transcribed."""

    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = tnn.Sequential(
                tnn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                tnn.BatchNorm2d(planes))
        layers = [TorchBasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [TorchBasicBlock(planes, planes) for _ in range(1, blocks)]
        return tnn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_resnet18_has_torchvision_names_shapes_and_parameter_count():
    model = models.resnet18()
    n_params = sum(p.numpy().size for p in model.parameters())
    assert n_params == 11_689_512                      # torchvision's documented count
    reference = TorchResNet().state_dict()
    ours = model.state_dict()
    assert list(ours) == list(reference)               # same keys, same order
    for key, value in reference.items():
        assert tuple(ours[key].shape) == tuple(value.shape), key
    assert "layer2.0.downsample.1.running_var" in ours
    assert models.resnet18(num_classes=10).fc.weight.shape == (10, 512)


def test_resnet34_names_and_count():
    model = models.resnet34(num_classes=7)
    assert list(model.state_dict()) == list(TorchResNet((3, 4, 6, 3), 7).state_dict())
    assert sum(p.numpy().size for p in models.resnet34().parameters()) == 21_797_672


def test_resnet18_initialisation_is_torchvisions():
    xa.manual_seed(0)
    model = models.resnet18(num_classes=10)
    for name, p in model.named_parameters():
        a = p.numpy()
        if a.ndim == 4:                                 # kaiming_normal_, fan_out, relu
            fan_out = a.shape[0] * a.shape[2] * a.shape[3]
            assert a.std() == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.06), name
            assert abs(a.mean()) < 4 * math.sqrt(2.0 / fan_out / a.size) + 1e-9, name
        elif name.startswith("fc."):                    # PyTorch's Linear default
            assert np.abs(a).max() <= 1 / math.sqrt(512) and a.std() > 0.5 / math.sqrt(1536)
        elif name.endswith("weight"):                   # BatchNorm
            assert (a == 1).all(), name
        else:
            assert (a == 0).all(), name
    zero = models.resnet18(num_classes=10, zero_init_residual=True)
    assert (zero.layer3[1].bn2.weight.numpy() == 0).all()
    assert (zero.layer3[1].bn1.weight.numpy() == 1).all()


def _twins(num_classes: int = 10):
    """A torch ResNet-18 and the xarxa one holding the same (torch-initialised) weights."""
    torch.manual_seed(0)
    reference = TorchResNet(num_classes=num_classes)
    with torch.no_grad():       # non-trivial BN parameters and statistics
        for m in reference.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    model = models.resnet18(num_classes=num_classes)
    model.load_state_dict({k: xa.tensor(v.detach().numpy().copy())
                           for k, v in reference.state_dict().items()})
    return reference, model


def _inputs(dtype):
    rng = np.random.default_rng(9)   # see _closest_to_kink
    return (rng.standard_normal((2, 3, 64, 64)).astype(dtype),
            rng.standard_normal((2, 10)).astype(dtype))


def _closest_to_kink(train: bool) -> float:
    """The smallest |input| of layer4's ReLUs in the float64 reference on `_inputs`. In
    train mode, with 2×2×2 values per channel there, a float32 run that lands on the
    other side of one ReLU (an input within its ~1e-5 rounding error of 0) moves the
    gradients by ~15 %: the float32 comparison needs inputs that keep clear of the kinks
    (seed 9 does; seed 0 had one at 6e-6, on which float32 rounding decided)."""
    reference = _twins()[0].double().train(train)
    seen = []
    for block in reference.layer4:
        block.relu.register_forward_pre_hook(lambda m, i: seen.append(i[0].abs().min().item()))
    with torch.no_grad():
        reference(torch.tensor(_inputs("float64")[0]))
    return min(seen)


def _torch_run(reference, train: bool, dtype):
    """Forward and backward of sum(out * upstream): (output, input gradient, parameter
    gradients, buffers after the step), all as float64 arrays."""
    x, upstream = _inputs(dtype)
    reference.train(train)
    xt = torch.tensor(x, requires_grad=True)
    out = reference(xt)
    (out * torch.from_numpy(upstream)).sum().backward()
    return (out.detach().double().numpy(), xt.grad.double().numpy(),
            {n: p.grad.double().numpy() for n, p in reference.named_parameters()},
            {n: b.double().numpy() for n, b in reference.named_buffers()})


def _xarxa_run(model, train: bool, dtype):
    """The same as `_torch_run`, in xarxa."""
    x, upstream = _inputs(dtype)
    model.train(train)
    xx = xa.tensor(x, requires_grad=True)
    out = model(xx)
    assert out.dtype == getattr(xa, dtype)
    (out * xa.tensor(upstream)).sum().backward()
    f64 = lambda t: t.numpy().astype(np.float64)  # noqa: E731
    return (f64(out), f64(xx.grad), {n: f64(p.grad) for n, p in model.named_parameters()},
            {n: f64(b) for n, b in model.named_buffers()})


def _assert_close(ours, theirs, rtol, atol):
    """Each array within rtol, plus atol times the reference's largest magnitude."""
    assert list(ours[2]) == list(theirs[2]) and list(ours[3]) == list(theirs[3])
    pairs = [("output", ours[0], theirs[0]), ("input grad", ours[1], theirs[1])]
    pairs += [(f"grad {k}", ours[2][k], theirs[2][k]) for k in theirs[2]]
    pairs += [(f"buffer {k}", ours[3][k], theirs[3][k]) for k in theirs[3]]
    for name, a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * max(np.abs(b).max(), 1e-30),
                                   err_msg=name)


@pytest.mark.parametrize("train", [True, False])
def test_resnet18_forward_and_backward_match_torch(train):
    reference, model = _twins()
    theirs = _torch_run(reference.double(), train, "float64")
    _assert_close(_xarxa_run(model.double(), train, "float64"), theirs, rtol=1e-7, atol=1e-9)
    # float32 against the same float64 reference, on inputs that keep layer4's ReLUs
    # clear of their kinks in train mode (_closest_to_kink: on seed 0, torch's float32
    # gradients were 18 % off, and xarxa's 3 % after a change of rounding in batch norm,
    # both from one ReLU input of -6e-6 that float32 put on the other side; on seed 9
    # both stay within 1e-5).
    assert not train or _closest_to_kink(train) > 1e-4
    _, model32 = _twins()
    _assert_close(_xarxa_run(model32, train, "float32"), theirs, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V1",
                                     models.ResNet18_Weights.DEFAULT])
def test_weights_cannot_be_downloaded_and_the_error_says_what_to_do(weights, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ValueError, match=r"resnet18: weights=ResNet18_Weights.IMAGENET1K_V1 "
                                         r"are not on this machine, and xarxa never downloads"
                                         r".*resnet18-f37072fd.pth.*or pass its path: "
                                         r"resnet18\(weights='path/to/resnet18-f37072fd.pth'"):
        models.resnet18(weights=weights)
    with pytest.raises(ValueError, match="resnet18: weights=ResNet18_Weights.IMAGENET1K_V1 "):
        models.resnet18(pretrained=True)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.BasicBlock(64, 64, groups=2)


def test_resnet18_loads_a_torchvision_layout_file(tmp_path):
    reference, _ = _twins()
    torch.save(reference.state_dict(), tmp_path / "resnet18.pth")
    model = models.resnet18(num_classes=10, weights=tmp_path / "resnet18.pth").eval()
    x = _inputs("float32")[0]
    np.testing.assert_allclose(model(xa.tensor(x)).numpy(),
                               reference.eval()(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-4)
