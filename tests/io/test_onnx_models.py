"""Every model of xarxa.models through ONNX (issue 22): exported, checked by onnx.checker, run
by ONNX Runtime on a batch of another size than the traced one (dynamic batch) with xarxa's
outputs, loaded back with the same outputs, parameters and state_dict names, and nodes named
after the layers; on real digits as well as random inputs; the loaded module trains as the
original does (batch statistics, gradients)."""
import io
import re

import numpy as np
import pytest

import xarxa as xa
from xarxa import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# name -> (builder, input shape without the batch)
MODELS = {
    "perceptron": (lambda: models.Perceptron(4), (4,)),
    "mlp": (lambda: models.MLP([64, 32, 10], activation="tanh"), (64,)),
    "lenet5": (lambda: models.LeNet5(), (1, 32, 32)),
    "lenet5-28": (lambda: models.LeNet5(), (1, 28, 28)),
    "lenet5-modern": (lambda: models.LeNet5(modern=True), (1, 28, 28)),
    "cnn": (lambda: models.CNN(image_size=8), (1, 8, 8)),
    "fcn": (lambda: models.FCN(), (1, 12, 12)),
    "resnet": (lambda: models.ResNet(), (1, 12, 12)),
    "plainnet": (lambda: models.ResNet(residual=False), (1, 12, 12)),
    "densenet": (lambda: models.DenseNet(growth_rate=4, layers_per_block=2), (1, 12, 12)),
    "unet-transpose": (lambda: models.UNet(decoder="transpose", width=4), (1, 16, 16)),
    "unet-nearest": (lambda: models.UNet(decoder="nearest", width=4), (1, 16, 16)),
    "unet-bed_of_nails": (lambda: models.UNet(decoder="bed_of_nails", width=4), (1, 16, 16)),
    "segnet": (lambda: models.SegNet(width=4), (1, 16, 16)),
    "siamese": (lambda: models.SiameseNet(embedding_dim=8, image_size=8), (1, 8, 8)),
}


def test_every_model_is_covered():
    assert {name.split("-")[0] for name in MODELS} >= {n.split("-")[0] for n in models.MODELS}


def trained_looking(model):
    """Batch norm with statistics and affine parameters away from their initial values (an
    untrained BN is the identity and would hide a wrong export)."""
    rng = np.random.default_rng(0)
    with xa.no_grad():
        for module in model.modules():
            if getattr(module, "running_mean", None) is not None:
                c = module.running_mean.shape[0]
                module.running_mean.copy_(xa.tensor(rng.normal(0, 0.2, c).astype(np.float32)))
                module.running_var.copy_(xa.tensor(rng.uniform(0.5, 2, c).astype(np.float32)))
                module.weight.copy_(xa.tensor(rng.uniform(0.5, 1.5, c).astype(np.float32)))
                module.bias.copy_(xa.tensor(rng.normal(0, 0.2, c).astype(np.float32)))
    return model.eval()


def export(model, shape, batch=2):
    xa.manual_seed(1)
    buffer = io.BytesIO()
    proto = xa.onnx.export(model, xa.randn(batch, *shape), buffer, input_names=["x"],
                           output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    return proto, buffer.getvalue()


def run_ort(data, x):
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.numpy()})[0]


def forward(model, x):
    with xa.no_grad():
        return model(x).numpy()


@pytest.mark.parametrize("name", list(MODELS))
def test_model_round_trips_through_onnx(name):
    build, shape = MODELS[name]
    xa.manual_seed(0)
    model = trained_looking(build())
    proto, data = export(model, shape)
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    assert proto.opset_import[0].version == 17
    x = xa.randn(3, *shape)   # not the traced batch size
    expected = forward(model, x)
    got = run_ort(data, x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    loaded = xa.onnx.load(data)
    np.testing.assert_allclose(forward(loaded, x), expected, rtol=1e-5, atol=1e-6)
    count = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in loaded.parameters()) == count
    assert set(loaded.state_dict()) <= set(model.state_dict())   # the same names
    # nodes are named after the layer that made them (the model's own ops: its class)
    layers = {path for path, _ in model.named_modules() if path}
    for node in proto.graph.node:
        scope = re.sub(r"_\d+$", "", node.name.split("/")[0])
        assert scope in layers or scope == node.op_type or node.op_type == "Identity", \
            node.name


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_torchvision_shaped_models_round_trip(name):
    """xarxa.vision's ImageNet networks: in-place residual sums, depthwise convolutions."""
    from xarxa.vision import models as vision
    xa.manual_seed(0)
    model = trained_looking(getattr(vision, name)(num_classes=10))
    _, data = export(model, (3, 32, 32), batch=1)
    x = xa.randn(2, 3, 32, 32)
    expected = forward(model, x)
    np.testing.assert_allclose(run_ort(data, x), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(forward(xa.onnx.load(data), x), expected, rtol=1e-5, atol=1e-6)


def test_real_digits_give_xarxas_outputs():
    digits = xa.datasets.digits().arrays[0][:16]                     # (16, 1, 8, 8)
    images = xa.tensor(digits)
    cases = [(models.MLP([64, 32, 10]), xa.tensor(digits.reshape(16, 64))),
             (models.CNN(image_size=8), images), (models.ResNet(), images),
             (models.LeNet5(), xa.tensor(np.kron(digits, np.ones((4, 4), np.float32))))]
    for model, x in cases:
        model = trained_looking(model)
        _, data = export(model, tuple(x.shape[1:]))
        np.testing.assert_allclose(run_ort(data, x), forward(model, x), rtol=1e-4, atol=1e-5)


def test_loaded_model_trains_as_the_original():
    """In train mode the loaded CNN uses and updates batch statistics as the original does;
    one SGD step on each gives the same weights."""
    xa.manual_seed(0)
    model = trained_looking(models.CNN(image_size=8))
    _, data = export(model, (1, 8, 8))
    loaded = xa.onnx.load(data)
    x, target = xa.randn(4, 1, 8, 8), xa.tensor([1, 3, 0, 9])
    for net in (model, loaded):
        net.train()
        opt = xa.optim.SGD(net.parameters(), lr=0.1)
        loss = xa.nn.functional.cross_entropy(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    theirs = loaded.state_dict()
    for key, value in model.state_dict().items():
        if key in theirs:
            np.testing.assert_allclose(theirs[key].numpy(), value.numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=key)
    assert {k for k in model.state_dict() if k not in theirs} <= \
        {k for k in model.state_dict() if k.endswith("num_batches_tracked")}


def test_weights_load_back_from_a_xarxa_checkpoint():
    """The loaded module's state_dict keys are the model's: its weights load from a
    state_dict saved for the original (strict=False: BN's num_batches_tracked is no tensor of
    the graph)."""
    xa.manual_seed(0)
    model = trained_looking(models.ResNet())
    _, data = export(model, (1, 12, 12))
    xa.manual_seed(5)
    other = trained_looking(models.ResNet())
    loaded = xa.onnx.load(data)
    loaded.load_state_dict(other.state_dict(), strict=False)
    x = xa.randn(2, 1, 12, 12)
    np.testing.assert_allclose(forward(loaded, x), forward(other, x), rtol=1e-5, atol=1e-6)
