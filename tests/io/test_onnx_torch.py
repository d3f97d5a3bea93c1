"""Networks exported by PyTorch (`torch.onnx.export(..., dynamo=False)`) enter xarxa (issue
22): ResNet-18 (torchvision's, transcribed: torchvision is not a dependency) and LeNet-5
give PyTorch's outputs on a batch of another size; LeNet-5's gradients are PyTorch's, and it
fine-tunes (SGD lowers its loss) with every weight a Parameter under PyTorch's name; and a
xarxa export read by PyTorch's ONNX Runtime companion is covered in test_onnx_models.py."""
import io
import warnings

import numpy as np
import pytest
import torch
from torch import nn as tnn

import xarxa as xa

pytest.importorskip("onnx")


class BasicBlock(tnn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = tnn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(c_out)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = tnn.Sequential(tnn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                             tnn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class ResNet18(tnn.Module):
    """torchvision.models.resnet18, transcribed."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        channels = 64
        for i, width in enumerate((64, 128, 256, 512)):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", tnn.Sequential(BasicBlock(channels, width, stride),
                                                          BasicBlock(width, width, 1)))
            channels = width
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class LeNet5(tnn.Module):
    """The 1998 network (tanh, average pooling), flattened the tutorials' way (x.view)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = tnn.Conv2d(1, 6, 5), tnn.Conv2d(6, 16, 5)
        self.pool = tnn.AvgPool2d(2)
        self.fc1, self.fc2, self.fc3 = tnn.Linear(400, 120), tnn.Linear(120, 84), \
            tnn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc3(torch.tanh(self.fc2(torch.tanh(self.fc1(x)))))


def torch_export(net, shape) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the TorchScript exporter's deprecation notice
        torch.onnx.export(net.eval(), (torch.randn(*shape),), buffer, dynamo=False,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    return buffer.getvalue()


def randomise_batch_norm(net):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)


def test_resnet18_from_pytorch_gives_pytorchs_outputs_and_takes_a_step():
    torch.manual_seed(0)
    net = ResNet18()
    randomise_batch_norm(net)
    loaded = xa.onnx.load(torch_export(net, (1, 3, 64, 64)))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = net(x).numpy()
    with xa.no_grad():
        got = loaded(xa.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-5)
    # PyTorch folded each batch norm into its convolution: 20 kernels, 20 biases, fc
    params = dict(loaded.named_parameters())
    assert len(params) == 42 and "fc.weight" in params and "fc.bias" in params
    loss = xa.nn.functional.cross_entropy(loaded(xa.tensor(x.numpy()[:1, :, :32, :32])),
                                          xa.tensor([7]))
    loss.backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0
               for p in params.values())


def test_lenet5_from_pytorch_has_pytorchs_outputs_and_gradients_and_fine_tunes():
    torch.manual_seed(0)
    net = LeNet5()
    loaded = xa.onnx.load(torch_export(net, (1, 1, 32, 32)))
    assert sorted(n for n, _ in loaded.named_parameters()) == \
        sorted(n for n, _ in net.named_parameters())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 5)
    # forward and gradients of the same loss
    loss_t = tnn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss_t.backward()
    loss_x = xa.nn.functional.cross_entropy(loaded(xa.tensor(x)), xa.tensor(y))
    loss_x.backward()
    assert loss_x.item() == pytest.approx(loss_t.item(), rel=1e-5)
    for name, p in loaded.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), dict(net.named_parameters())[name].grad,
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    # fine-tuning: the same SGD steps in both libraries, the same losses, going down
    opt_x = xa.optim.SGD(loaded.parameters(), lr=0.05, momentum=0.9)
    opt_t = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    ours, theirs = [], []
    for _ in range(10):
        opt_x.zero_grad()
        loss = xa.nn.functional.cross_entropy(loaded(xa.tensor(x)), xa.tensor(y))
        loss.backward()
        opt_x.step()
        ours.append(loss.item())
        opt_t.zero_grad()
        loss = tnn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt_t.step()
        theirs.append(loss.item())
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < 0.75 * ours[0]
