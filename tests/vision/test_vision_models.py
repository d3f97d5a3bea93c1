"""xarxa.vision.models' VGG and MobileNetV2 against torchvision's, rebuilt here in plain
torch.nn (torchvision's compiled ops do not load with the CPU torch of the test extra):
state dict names, shapes and order, parameter counts, initialisation, forward/backward
from the same weights, and ``weights=`` (a file path, a weight name read offline)."""
import math

import numpy as np
import pytest
import torch
from torch import nn as tnn

import xarxa as xa
from xarxa.vision import models
from xarxa.vision.models import vgg as xvgg


# -- torchvision's builders, transcribed in plain torch ------------------------------------

def torch_vgg_features(cfg, batch_norm):
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(tnn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = tnn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        layers += [conv, tnn.BatchNorm2d(v), tnn.ReLU(True)] if batch_norm else \
            [conv, tnn.ReLU(True)]
        in_channels = v
    return tnn.Sequential(*layers)


class TorchVGG(tnn.Module):
    def __init__(self, features, num_classes=1000):
        super().__init__()
        self.features = features
        self.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
        self.classifier = tnn.Sequential(
            tnn.Linear(512 * 7 * 7, 4096), tnn.ReLU(True), tnn.Dropout(0.5),
            tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(0.5),
            tnn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class TorchConvNormActivation(tnn.Sequential):
    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1):
        super().__init__(tnn.Conv2d(cin, cout, kernel_size, stride, (kernel_size - 1) // 2,
                                    groups=groups, bias=False),
                         tnn.BatchNorm2d(cout), tnn.ReLU6(inplace=True))


class TorchInvertedResidual(tnn.Module):
    def __init__(self, inp, oup, stride, t):
        super().__init__()
        hidden = int(round(inp * t))
        self.use_res_connect = stride == 1 and inp == oup
        layers = [TorchConvNormActivation(inp, hidden, kernel_size=1)] if t != 1 else []
        layers += [TorchConvNormActivation(hidden, hidden, stride=stride, groups=hidden),
                   tnn.Conv2d(hidden, oup, 1, 1, 0, bias=False), tnn.BatchNorm2d(oup)]
        self.conv = tnn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class TorchMobileNetV2(tnn.Module):
    SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
               [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, num_classes=1000):
        super().__init__()
        features, cin = [TorchConvNormActivation(3, 32, stride=2)], 32
        for t, c, n, s in self.SETTING:
            for i in range(n):
                features.append(TorchInvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(TorchConvNormActivation(cin, 1280, kernel_size=1))
        self.features = tnn.Sequential(*features)
        self.classifier = tnn.Sequential(tnn.Dropout(0.2), tnn.Linear(1280, num_classes))

    def forward(self, x):
        x = tnn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


def _layout(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def _randomise_bn(module):
    """Non-trivial BN parameters and statistics, so that eval mode tests something."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 2.0)


def _copy(model, reference):
    model.load_state_dict({k: xa.tensor(v.detach().numpy().copy())
                           for k, v in reference.state_dict().items()})


def _assert_same_step(model, reference, x, train, rtol, atol):
    """Forward, input gradient and every parameter gradient of sum(out · v)."""
    model.train(train)
    reference.train(train)
    v = np.random.default_rng(1).standard_normal((x.shape[0], 10))
    xx = xa.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out, tout = model(xx), reference(tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    theirs = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        if p.requires_grad:
            np.testing.assert_allclose(p.grad.numpy(), theirs[name].grad.numpy(), rtol=rtol,
                                       atol=atol, err_msg=name)


# -- VGG -------------------------------------------------------------------------------------

VGG_COUNTS = {"vgg11": 132_863_336, "vgg13": 133_047_848, "vgg16": 138_357_544,
              "vgg19": 143_667_240, "vgg11_bn": 132_868_840, "vgg13_bn": 133_053_736,
              "vgg16_bn": 138_365_992, "vgg19_bn": 143_678_248}   # torchvision's docs
CFG = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


@pytest.mark.parametrize("name", list(VGG_COUNTS))
def test_vgg_features_have_torchvisions_layout_and_count(name):
    # the 25088 × 4096 classifier is the same in all eight (checked once, below): build the
    # features only, which is what the configurations change
    cfg, bn = xvgg.cfgs[CFG[name.split("_")[0]]], name.endswith("_bn")
    features = xvgg.make_layers(cfg, bn)
    assert _layout(features.state_dict()) == _layout(torch_vgg_features(cfg, bn).state_dict())
    classifier = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    assert sum(p.numel() for p in features.parameters()) + classifier == VGG_COUNTS[name]


@pytest.fixture(scope="module")
def vgg_twins():
    """vgg11_bn in both libraries, holding the same weights (one 500 MB model each)."""
    torch.manual_seed(0)
    reference = TorchVGG(torch_vgg_features(xvgg.cfgs["A"], True), num_classes=10)
    _randomise_bn(reference)
    xa.manual_seed(0)
    model = models.vgg11_bn(num_classes=10)
    return model, reference


def test_vgg11_bn_has_torchvisions_names_and_initialisation(vgg_twins):
    model, reference = vgg_twins
    assert _layout(model.state_dict()) == _layout(reference.state_dict())
    state = model.state_dict()
    conv = state["features.4.weight"].numpy()                 # kaiming_normal_, fan_out
    assert conv.std() == pytest.approx(math.sqrt(2 / (128 * 9)), rel=0.05)
    assert (state["features.4.bias"].numpy() == 0).all()
    assert (state["features.5.weight"].numpy() == 1).all()    # BatchNorm
    assert state["classifier.3.weight"].numpy().std() == pytest.approx(0.01, rel=0.02)
    assert (state["classifier.6.bias"].numpy() == 0).all()


@pytest.mark.parametrize("train", [False, True])
def test_vgg11_bn_forward_and_backward_match_torch(vgg_twins, train):
    model, reference = vgg_twins
    _copy(model, reference)
    assert [type(m).__name__ for m in model.classifier] == \
        [type(m).__name__ for m in reference.classifier]
    # dropout draws differ between the libraries: compared with it off; the classifier's
    # gradients (two 400 MB matrices) are left out, its input gradient is not
    model.classifier[2].p = model.classifier[5].p = 0.0
    reference.classifier[2].p = reference.classifier[5].p = 0.0
    for p, q in zip(model.classifier.parameters(), reference.classifier.parameters()):
        p.requires_grad_(False)
        q.requires_grad_(False)
    for p in model.parameters():
        p.grad = None
    reference.zero_grad()
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    # 32×32 images reach the 7×7 pool as 1×1 maps: the pool repeats them (as torch)
    _assert_same_step(model, reference, x, train, rtol=2e-4, atol=2e-5)


# -- MobileNetV2 -----------------------------------------------------------------------------

def _mobilenet_twins(num_classes=10):
    torch.manual_seed(0)
    reference = TorchMobileNetV2(num_classes).double()
    _randomise_bn(reference)
    model = models.mobilenet_v2(num_classes=num_classes).double()
    _copy(model, reference)
    return model, reference


def test_mobilenet_v2_has_torchvisions_layout_count_and_depthwise_convolutions():
    model = models.mobilenet_v2()
    assert _layout(model.state_dict()) == _layout(TorchMobileNetV2().state_dict())
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    depthwise = model.features[2].conv[1][0]
    assert (depthwise.groups, depthwise.weight.shape) == (96, (96, 1, 3, 3))
    assert isinstance(model.features[2].conv[1][2], xa.nn.ReLU6)
    assert model.features[3].use_res_connect and not model.features[2].use_res_connect


@pytest.mark.parametrize("train", [False, True])
def test_mobilenet_v2_forward_and_backward_match_torch(train):
    model, reference = _mobilenet_twins()
    model.classifier[0].p = reference.classifier[0].p = 0.0
    # 64×64: the last stages' batch norms see 2×2×2 values per channel (at 32×32 only two,
    # which leaves the input gradient ill-conditioned: 1e-8 apart in float64)
    x = np.random.default_rng(2).standard_normal((2, 3, 64, 64))
    _assert_same_step(model, reference, x, train, rtol=1e-7, atol=1e-9)


# -- weights= ------------------------------------------------------------------------------

def test_weights_load_from_a_file_path_and_from_torchvisions_folder(tmp_path, monkeypatch):
    torch.manual_seed(3)
    reference = TorchMobileNetV2(num_classes=1000)
    _randomise_bn(reference)
    path = tmp_path / "mine.pth"
    torch.save(reference.state_dict(), path)
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    want = reference.eval()(torch.tensor(x)).detach().numpy()
    for weights in (path, str(path)):
        got = models.mobilenet_v2(weights=weights).eval()(xa.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # a weight name reads torchvision's own download folder, and never the network
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    with pytest.raises(ValueError, match=r"mobilenet_v2: weights=MobileNet_V2_Weights.IMAGENET"
                                         r"1K_V2 are not on this machine, and xarxa never "
                                         r"downloads. Put torchvision's file mobilenet_v2-7ebf"
                                         r"99e0.pth \(from https://download.pytorch.org/models/"
                                         r"mobilenet_v2-7ebf99e0.pth\) in " + str(folder)):
        models.mobilenet_v2(weights="DEFAULT")
    folder.mkdir(parents=True)
    (folder / "mobilenet_v2-b0353104.pth").write_bytes(path.read_bytes())
    for weights in ("IMAGENET1K_V1", "MobileNet_V2_Weights.IMAGENET1K_V1",
                    models.MobileNet_V2_Weights.IMAGENET1K_V1):
        got = models.mobilenet_v2(weights=weights).eval()(xa.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert models.mobilenet_v2(pretrained=True).features[0][1].running_var.numpy() == \
        pytest.approx(reference.features[0][1].running_var.numpy())


@pytest.mark.parametrize("build, name", [(models.vgg16, "vgg16-397923af.pth"),
                                         (models.vgg19_bn, "vgg19_bn-c79401a0.pth"),
                                         (models.resnet34, "resnet34-b627a593.pth")])
def test_weight_names_say_which_file_to_put_where(build, name, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ValueError, match=rf"Put torchvision's file {name} .* in "
                                         rf"{tmp_path}/hub/checkpoints .*or pass its path"):
        build(weights="DEFAULT")


def test_bad_weights_arguments_are_explained(tmp_path):
    with pytest.raises(ValueError, match=r"weights='nowhere.pth' is neither a state dict "
                                         r"file \(no such file\) nor a weight name of "
                                         r"MobileNet_V2_Weights \(IMAGENET1K_V1, IMAGENET1K_V2"):
        models.mobilenet_v2(weights="nowhere.pth")
    with pytest.raises(TypeError, match=r"vgg11: weights must be None, a path"):
        models.vgg11(weights=3)
    with pytest.raises(ValueError, match=r"Missing|missing|unexpected|Unexpected"):
        xa.save(models.resnet18(num_classes=3).state_dict(), tmp_path / "r.safetensors")
        models.mobilenet_v2(weights=tmp_path / "r.safetensors")
