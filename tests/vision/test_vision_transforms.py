"""xarxa.vision.transforms against torchvision's semantics: torch ops (F.pad,
F.interpolate, torch.flip) or hand-written results as the reference."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
from xarxa.vision import transforms as T


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def test_to_tensor_follows_torchvision_rules_for_arrays():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    x = T.ToTensor()(img)
    assert x.shape == (1, 3, 4) and x.dtype == xa.float32
    np.testing.assert_array_equal(x.numpy(), _t(img)[None].to(torch.float32).div(255).numpy())
    rgb = np.random.default_rng(0).integers(0, 256, (2, 3, 3), dtype=np.uint8)
    np.testing.assert_array_equal(T.ToTensor()(rgb).numpy(),
                                  _t(rgb).permute(2, 0, 1).float().div(255).numpy())
    floats = np.full((2, 2), 7.5)                 # not uint8: values and dtype kept
    out = T.ToTensor()(floats)
    assert out.dtype == xa.float64 and out.numpy().tolist() == [[[7.5, 7.5], [7.5, 7.5]]]
    with pytest.raises(TypeError, match="ToTensor: pic should be an image array"):
        T.ToTensor()(x)
    with pytest.raises(ValueError, match="ToTensor: pic should be 2 or 3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


def test_normalize_matches_torch_and_checks_its_input():
    a = np.random.default_rng(1).random((2, 3, 4, 5), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    expected = (_t(a) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    out = T.Normalize(mean, std)(xa.tensor(a))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)
    one = T.Normalize((0.1307,), (0.3081,))(xa.tensor(a[0, :1]))
    np.testing.assert_allclose(one.numpy(), ((_t(a[0, :1]) - 0.1307) / 0.3081).numpy(),
                               rtol=1e-6)
    x = xa.tensor(a.copy())
    version = x._version
    assert T.Normalize(mean, std, inplace=True)(x) is x and x._version > version
    np.testing.assert_allclose(x.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(TypeError, match="Normalize: input tensor should be a float tensor"):
        T.Normalize(mean, std)(xa.tensor(np.zeros((3, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="Normalize: std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(xa.tensor(a[0]))
    with pytest.raises(ValueError, match="Normalize: 2 means and 2 stds for an image with 3"):
        T.Normalize((0, 0), (1, 1))(xa.tensor(a[0]))
    with pytest.raises(TypeError, match=r"Normalize: expected a Tensor .*apply ToTensor"):
        T.Normalize(mean, std)(a[0])


@pytest.mark.parametrize("padding, torch_pad", [(2, (2, 2, 2, 2)), ((1, 3), (1, 1, 3, 3)),
                                                ((1, 0, 2, 3), (1, 2, 0, 3))])
@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                              ("reflect", "reflect")])
def test_pad_matches_torch_pad(padding, torch_pad, mode, torch_mode):
    a = np.random.default_rng(2).random((2, 3, 4, 5), dtype=np.float32)
    kw = {"value": 0.5} if mode == "constant" else {}
    expected = TF.pad(_t(a), torch_pad, mode=torch_mode, **kw).numpy()
    out = T.Pad(padding, fill=0.5, padding_mode=mode)(xa.tensor(a))
    np.testing.assert_array_equal(out.numpy(), expected)
    # an image array (H, W, C) is padded the same way in its own layout
    hwc = a[0].transpose(1, 2, 0)
    np.testing.assert_array_equal(T.Pad(padding, fill=0.5, padding_mode=mode)(hwc),
                                  expected[0].transpose(1, 2, 0))


def test_pad_symmetric_per_channel_fill_and_errors():
    row = xa.tensor(np.array([[[1.0, 2.0, 3.0]]], np.float32))
    out = T.Pad((2, 0, 1, 0), padding_mode="symmetric")(row)
    assert out.numpy().tolist() == [[[2.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]   # by hand
    img = np.zeros((1, 1, 2), np.uint8)                                  # (H, W, C)
    out = T.Pad(1, fill=(7, 9))(img)
    assert out.dtype == np.uint8 and out.shape == (3, 3, 2)
    assert out[:, :, 0].tolist() == [[7, 7, 7], [7, 0, 7], [7, 7, 7]]
    assert out[:, :, 1].tolist() == [[9, 9, 9], [9, 0, 9], [9, 9, 9]]
    with pytest.raises(ValueError, match="Pad: padding must be an int or a sequence of 1, 2"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Pad: padding_mode must be one of"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match=r"Pad: reflect padding \(3, 3, 3, 3\) must be "
                                         r"smaller than the image size \(3, 3\)"):
        T.Pad(3, padding_mode="reflect")(xa.zeros(1, 3, 3))
    with pytest.raises(TypeError, match="Pad: expected a Tensor"):
        T.Pad(1)([[1, 2]])


def test_center_crop_by_hand():
    img = xa.tensor(np.arange(30, dtype=np.float32).reshape(1, 5, 6))
    # top = round((5 - 2) / 2) = round(1.5) = 2, left = round((6 - 3) / 2) = 2
    assert T.CenterCrop((2, 3))(img).numpy().tolist() == [[[14, 15, 16], [20, 21, 22]]]
    # an odd margin: round(0.5) = 0 (half to even, Python's round as torchvision)
    assert T.CenterCrop(4)(xa.tensor(np.arange(25.0).reshape(1, 5, 5))).numpy()[0, 0, 0] == 0
    small = np.array([[1, 2], [3, 4]], np.uint8)                          # (H, W) image
    # larger than the image: zero padding (3 − 2)//2 = 1 before, (3 − 2 + 1)//2 = 1 after
    # on each axis of the 5-crop: 1 before and 2 after
    assert T.CenterCrop(5)(small).tolist() == [[0, 0, 0, 0, 0], [0, 1, 2, 0, 0],
                                               [0, 3, 4, 0, 0], [0, 0, 0, 0, 0],
                                               [0, 0, 0, 0, 0]]


def test_random_crop_windows_are_uniform_reproducible_and_match_torch_padding():
    a = np.arange(2 * 6 * 7, dtype=np.float32).reshape(2, 6, 7)
    padded = TF.pad(_t(a), (2, 2, 2, 2)).numpy()                        # (2, 10, 11)
    crop = T.RandomCrop((6, 7), padding=2)
    seen = set()
    for seed in range(60):
        xa.manual_seed(seed)
        out = crop(xa.tensor(a)).numpy()
        xa.manual_seed(seed)
        np.testing.assert_array_equal(crop(xa.tensor(a)).numpy(), out)   # reproducible
        offsets = [(i, j) for i in range(5) for j in range(5)
                   if np.array_equal(padded[:, i:i + 6, j:j + 7], out)]
        assert len(offsets) == 1
        seen.add(offsets[0])
    assert len(seen) > 15                  # many of the 25 windows appear (uniform draws)
    xa.manual_seed(3)
    top, left, h, w = T.RandomCrop.get_params(xa.tensor(a), (4, 4))
    assert 0 <= top <= 2 and 0 <= left <= 3 and (h, w) == (4, 4)
    assert T.RandomCrop.get_params(xa.tensor(a), (6, 7)) == (0, 0, 6, 7)


def test_random_crop_batch_shares_one_window_and_pad_if_needed():
    batch = xa.tensor(np.stack([np.arange(16.0).reshape(1, 4, 4)] * 3))
    out = T.RandomCrop(2)(batch).numpy()
    assert out.shape == (3, 1, 2, 2) and (out == out[0]).all()
    img = np.arange(9, dtype=np.uint8).reshape(3, 3)
    out = T.RandomCrop(5, pad_if_needed=True)(img)       # padded by 2 on both sides: 7×7
    assert out.shape == (5, 5) and out.dtype == np.uint8 and out.sum() == img.sum()
    with pytest.raises(ValueError, match=r"RandomCrop: required crop size \(5, 5\) is larger "
                                         r"than the input image size \(3, 3\)"):
        T.RandomCrop(5)(img)


def test_random_horizontal_flip():
    a = np.random.default_rng(3).random((2, 1, 3, 4)).astype(np.float32)
    flipped = torch.flip(_t(a), dims=[-1]).numpy()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(xa.tensor(a)).numpy(), flipped)
    x = xa.tensor(a)
    assert T.RandomHorizontalFlip(p=0.0)(x) is x
    outcomes = []
    for seed in range(20):
        xa.manual_seed(seed)
        out = T.RandomHorizontalFlip()(xa.tensor(a)).numpy()
        assert np.array_equal(out, a) or np.array_equal(out, flipped)   # the whole batch
        outcomes.append(np.array_equal(out, flipped))
    assert 0 < sum(outcomes) < 20
    img = np.array([[1, 2, 3]], np.uint8)
    assert T.RandomHorizontalFlip(1.0)(img).tolist() == [[3, 2, 1]]
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: p must lie in \[0, 1\]"):
        T.RandomHorizontalFlip(1.5)


@pytest.mark.parametrize("size", [(5, 9), (13, 4), (24, 30), (7, 7)])
@pytest.mark.parametrize("interpolation, antialias", [(T.InterpolationMode.BILINEAR, True),
                                                      ("bilinear", False),
                                                      (T.InterpolationMode.BICUBIC, True),
                                                      ("bicubic", False),
                                                      (T.InterpolationMode.NEAREST, True)])
def test_resize_matches_torch_interpolate(size, interpolation, antialias):
    a = np.random.default_rng(4).random((2, 3, 11, 14), dtype=np.float32)
    mode = getattr(interpolation, "value", interpolation)
    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": antialias}
    expected = TF.interpolate(_t(a), size=size, mode=mode, **kw).numpy()
    out = T.Resize(size, interpolation=interpolation, antialias=antialias)(xa.tensor(a))
    assert out.shape == expected.shape and out.dtype == xa.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    # uint8: computed in float and rounded back, as torchvision does for uint8 tensors
    u8 = (a[0] * 255).astype(np.uint8)
    ref = TF.interpolate(_t(u8)[None].float(), size=size, mode=mode, **kw)
    ref = ref.clamp(0, 255).round()         # torchvision clamps bicubic's overshoot
    out = T.Resize(size, interpolation=interpolation, antialias=antialias)(
        np.ascontiguousarray(u8.transpose(1, 2, 0)))                  # an (H, W, C) image
    assert out.dtype == np.uint8
    diff = np.abs(out.transpose(2, 0, 1).astype(int) - ref[0].to(torch.uint8).numpy())
    assert diff.max() <= 1 and (diff == 0).mean() > 0.97   # float32 near-ties round apart


def test_resize_int_size_keeps_the_aspect_ratio():
    x = xa.zeros(3, 10, 25)
    assert T.Resize(4)(x).shape == (3, 4, 10)              # int(4 · 25 / 10) = 10
    assert T.Resize([4])(xa.zeros(1, 25, 10)).shape == (1, 10, 4)
    assert T.Resize(4, max_size=8)(x).shape == (3, 3, 8)   # int(8 · 4 / 10) = 3
    assert T.Resize(10)(x) is x                            # already that size
    assert T.Resize(32)(np.zeros((28, 28), np.uint8)).shape == (32, 32)
    with pytest.raises(ValueError, match="Resize: interpolation must be"):
        T.Resize(4, interpolation="lanczos")
    with pytest.raises(ValueError, match="Resize: max_size is only allowed when size is an int"):
        T.Resize((4, 4), max_size=10)


def test_compose_lambda_and_a_typical_mnist_pipeline():
    xa.manual_seed(0)
    tf = T.Compose([T.Resize(32), T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
                    T.ToTensor(), T.Normalize((0.1307,), (0.3081,)),
                    T.Lambda(lambda x: x * 2)])
    out = tf(np.full((28, 28), 255, np.uint8))
    assert out.shape == (1, 32, 32) and out.dtype == xa.float32
    assert out.numpy().max() == pytest.approx(2 * (1 - 0.1307) / 0.3081, rel=1e-6)
    with pytest.raises(TypeError, match="Lambda: argument lambd should be callable"):
        T.Lambda(3)
