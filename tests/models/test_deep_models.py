"""The networks of notes 1.3.8 and 1.5–1.7 (ResNet and its plain twin, DenseNet, FCN, the
modern LeNet-5, the Siamese embedding, U-Net and SegNet): documented parameter counts,
forward and backward against the same networks written in plain torch.nn (float64, same
weights), a few steps that lower the loss, and what each architecture promises."""
import numpy as np
import pytest
import torch

import torch_models as T
import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.models import (FCN, DenseNet, LeNet5, ResNet, SegNet, SiameseNet, UNet, build)
from xarxa.models.resnet import PlainBlock


def n_params(model):
    return sum(int(np.prod(p.shape)) for p in model.parameters())


def _same_names(ours, ref):
    ref_keys = {k for k in ref.state_dict() if not k.endswith("num_batches_tracked")}
    assert {k for k in ours.state_dict() if not k.endswith("num_batches_tracked")} == ref_keys


# (name, xarxa model, torch reference, one input's shape, documented parameter count)
CASES = {
    "resnet": (lambda: ResNet(), lambda: T.ResNet(), (1, 28, 28), 77_754),
    "resnet-n2-w8": (lambda: ResNet(blocks_per_stage=2, width=8),
                     lambda: T.ResNet(blocks_per_stage=2, width=8), (1, 28, 28), None),
    "plainnet": (lambda: ResNet(residual=False), lambda: T.ResNet(residual=False),
                 (1, 28, 28), 75_002),
    "densenet": (lambda: DenseNet(), lambda: T.DenseNet(), (1, 28, 28), 75_274),
    "fcn": (lambda: FCN(), lambda: T.FCN(), (1, 28, 28), 101_866),
    "lenet5-modern": (lambda: LeNet5(modern=True), lambda: T.LeNet5Modern(), (1, 28, 28),
                      61_728),
    "siamese": (lambda: SiameseNet(), lambda: T.SiameseNet(), (1, 28, 28), 428_704),
    "unet-transpose": (lambda: UNet(decoder="transpose"), lambda: T.UNet(decoder="transpose"),
                       (1, 16, 16), 117_243),
    "unet-nearest": (lambda: UNet(decoder="nearest"), lambda: T.UNet(decoder="nearest"),
                     (1, 16, 16), 130_043),
    "unet-bed_of_nails": (lambda: UNet(decoder="bed_of_nails"),
                          lambda: T.UNet(decoder="bed_of_nails"), (1, 16, 16), 130_043),
    "segnet": (lambda: SegNet(), lambda: T.SegNet(), (1, 16, 16), 46_859),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_the_torch_network_forward_and_backward(name):
    make, make_ref, shape, documented = CASES[name]
    xa.manual_seed(0)
    model, ref = make().double(), make_ref().double()
    _same_names(model, ref)
    assert n_params(model) == sum(p.numel() for p in ref.parameters())
    if documented is not None:   # the count the model's docstring gives
        assert n_params(model) == documented
    ref.load_state_dict(T.to_torch(model.state_dict()), strict=False)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, *shape))
    xx, tx = xa.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = model(xx), ref(tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-10)
    v = rng.standard_normal(out.shape)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    ref_params = dict(ref.named_parameters())
    for key, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[key].grad.numpy(), rtol=1e-8,
                                   atol=1e-10, err_msg=f"{name}: {key}")
    ref_buffers = dict(ref.named_buffers())   # BN's running statistics after the pass
    for key, b in model.named_buffers():
        if not key.endswith("num_batches_tracked"):
            np.testing.assert_allclose(b.numpy(), ref_buffers[key].numpy(), rtol=1e-9,
                                       atol=1e-12, err_msg=key)
    model.eval()
    ref.eval()   # and in eval mode, with those running statistics
    np.testing.assert_allclose(model(xa.tensor(x)).numpy(), ref(torch.tensor(x)).detach(),
                               rtol=1e-9, atol=1e-10)


@pytest.fixture(scope="module")
def fashion():
    x, y = xa.datasets.fashion_mnist(train=False).tensors
    return x[:32], y[:32]


@pytest.mark.parametrize("name", ["resnet", "plainnet", "densenet", "fcn", "lenet5-modern"])
def test_a_few_steps_lower_the_loss(name, fashion):
    xa.manual_seed(0)
    model = build(name)
    x, y = fashion
    opt = optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_segmentation_networks_lower_the_loss():
    canvases = xa.datasets.fashion_canvas(train=False, n=4, size=32, items=1)
    x, mask = canvases.__getbatch__(range(4))
    for model in (UNet(width=8), SegNet(width=8)):
        opt = optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for _ in range(8):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), mask)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.8 * losses[0], (type(model).__name__, losses)


def test_resnet_depth_and_shortcuts():
    for n, depth in ((1, 8), (5, 32)):      # 6n + 2 weighted layers: 7 or 31 convolutions
        for residual in (True, False):
            model = ResNet(blocks_per_stage=n, residual=residual)
            convs = [m for name, m in model.named_modules()
                     if isinstance(m, nn.Conv2d) and not name.endswith("shortcut")]
            assert len(convs) + 1 == model.depth == depth
    model = ResNet(blocks_per_stage=2)
    projections = [name for name, m in model.named_modules()
                   if name.endswith("shortcut") and isinstance(m, nn.Conv2d)]
    # W_s exactly where the width or the stride changes: the first block of stages 2, 3
    assert projections == ["stages.2.shortcut", "stages.4.shortcut"]
    assert all(m.stride == (2, 2) and m.kernel_size == (1, 1) for name, m in
               model.named_modules() if name in projections)
    plain = ResNet(blocks_per_stage=2, residual=False)
    assert all(isinstance(b, PlainBlock) for b in plain.stages)
    assert not any(name.endswith("shortcut") and isinstance(m, nn.Conv2d)
                   for name, m in plain.named_modules())
    # the same seed gives the plain network the residual one's weights, layer by layer
    xa.manual_seed(3)
    res = ResNet(blocks_per_stage=2)
    xa.manual_seed(3)
    plain = ResNet(blocks_per_stage=2, residual=False)
    plain_state = plain.state_dict()
    for key, value in plain_state.items():
        np.testing.assert_array_equal(value.numpy(), res.state_dict()[key].numpy())
    with pytest.raises(ValueError, match=r"ResNet: blocks_per_stage must be a positive "
                                         r"integer, got 0"):
        ResNet(blocks_per_stage=0)


def test_fcn_takes_any_input_size():
    model = FCN()
    model.eval()
    assert not any(isinstance(m, (nn.Linear, nn.Flatten)) and not name == "flatten"
                   for name, m in model.named_modules())
    small, large = xa.randn(2, 1, 28, 28), xa.randn(2, 1, 40, 36)
    assert model(small).shape == (2, 10) and model(large).shape == (2, 10)
    # the output is the mean of the class-score maps over every position
    maps = model.score_map(large).numpy()
    assert maps.shape == (2, 10, 10, 9)
    np.testing.assert_allclose(model(large).numpy(), maps.mean(axis=(2, 3)), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match=r"FCN.*H, W ≥ 4.*\(2, 1, 3, 8\)"):
        model(xa.randn(2, 1, 3, 8))


def test_segnet_unpools_at_the_encoder_indices(monkeypatch):
    model = SegNet(width=4)
    x = xa.randn(2, 1, 16, 16)
    seen = []

    class Spy(nn.Module):      # records what the decoder's unpooling gets and gives
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, values, indices):
            out = self.inner(values, indices)
            seen.append((values.numpy().copy(), indices.numpy().copy(), out.numpy().copy()))
            return out

    for i in range(2):
        model.unpools[i] = Spy(model.unpools[i])
    model(x)
    # the encoder's pooling indices, computed here from its feature maps
    f1 = model.encoders[0](x)
    p1, i1 = F.max_pool2d(f1, 2, return_indices=True)
    _, i2 = F.max_pool2d(model.encoders[1](p1), 2, return_indices=True)
    (v_deep, idx_deep, out_deep), (v_top, idx_top, out_top) = seen
    np.testing.assert_array_equal(idx_deep, i2.numpy())
    np.testing.assert_array_equal(idx_top, i1.numpy())
    for values, idx, out in seen:   # each value lands at its index, zeros elsewhere
        n, c, h, w = out.shape
        flat = out.reshape(n, c, h * w)
        expected = np.zeros_like(flat)
        np.put_along_axis(expected, idx.reshape(n, c, -1), values.reshape(n, c, -1), axis=2)
        np.testing.assert_array_equal(flat, expected)
        # and the positions are those of the maxima of each 2×2 window (row, column)
        rows, cols = np.divmod(idx, w)
        assert (rows // 2 == np.arange(h // 2)[:, None]).all()
        assert (cols // 2 == np.arange(w // 2)[None, :]).all()


def test_unet_decoders_and_skips():
    for decoder, kind in (("transpose", nn.ConvTranspose2d), ("nearest", nn.Upsample),
                          ("bed_of_nails", nn.BedOfNailsUnpool)):
        model = UNet(decoder=decoder, width=4, depth=3)
        assert sum(isinstance(m, kind) for m in model.modules()) == 3
        assert model(xa.randn(1, 1, 24, 16)).shape == (1, 11, 24, 16)
    # the skip is a concatenation: each decoder's first conv sees 2× its output width
    assert [d[0].in_channels for d in model.decoders] == [32, 16, 8]
    with pytest.raises(ValueError, match=r"UNet: decoder must be one of"):
        UNet(decoder="bilinear")
    with pytest.raises(ValueError, match=r"UNet.*multiples of 8.*\(1, 1, 20, 16\)"):
        model(xa.randn(1, 1, 20, 16))
    with pytest.raises(ValueError, match=r"SegNet.*multiples of 4.*\(1, 1, 6, 8\)"):
        SegNet()(xa.randn(1, 1, 6, 8))


def test_siamese_embeddings():
    net = SiameseNet(embedding_dim=8)
    e = net(xa.randn(5, 1, 28, 28)).numpy()
    assert e.shape == (5, 8)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)
    raw = SiameseNet(embedding_dim=2, normalize=False, image_size=8)
    assert raw(xa.randn(3, 1, 8, 8)).shape == (3, 2)
    with pytest.raises(ValueError, match=r"SiameseNet\(.*\): expected input \(N, C, 28, 28\), "
                                         r"got \(3, 1, 8, 8\)"):
        net(xa.randn(3, 1, 8, 8))
    with pytest.raises(ValueError, match=r"SiameseNet: embedding_dim must be a positive"):
        SiameseNet(embedding_dim=0)


def test_modern_lenet5_keeps_the_exam_network_as_default():
    assert n_params(LeNet5()) == 61_706
    modern = LeNet5(modern=True)
    kinds = [type(m) for m in modern.features]
    assert kinds == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d] * 2
    assert not any(isinstance(m, (nn.Tanh, nn.AvgPool2d)) for m in modern.modules())
    assert "modern=True" in repr(modern)
