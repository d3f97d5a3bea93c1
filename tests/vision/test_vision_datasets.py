"""xarxa.vision.datasets: torchvision's MNIST-family classes on tiny IDX files written
here in torchvision's layout, the real Fashion-MNIST where installed, and FakeData."""
import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import xarxa as xa
from xarxa.data import DataLoader
from xarxa.data.datasets import mnist_files
from xarxa.vision import datasets, transforms

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path: Path, array: np.ndarray, compress: bool) -> None:
    """IDX from the format description: 00 00 <0x08 = uint8> <ndim>, big-endian dims."""
    data = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data += array.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if compress else data)


def make_split(directory: Path, prefix: str, n: int, seed: int, compress=True):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return images, labels


@pytest.fixture
def no_other_places(tmp_path, monkeypatch):
    """Only `root` is searched: no $XARXA_DATA, an empty home, no system directory."""
    monkeypatch.delenv("XARXA_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist_files, "_SYSTEM_DIR", tmp_path / "system")


@pytest.mark.parametrize("cls, folder", [(datasets.MNIST, "MNIST"),
                                         (datasets.FashionMNIST, "FashionMNIST"),
                                         (datasets.KMNIST, "KMNIST")])
def test_torchvision_layout_data_targets_and_items(tmp_path, no_other_places, cls, folder):
    images, labels = make_split(tmp_path / folder / "raw", "train", 5, seed=1)
    test_images, test_labels = make_split(tmp_path / folder / "raw", "t10k", 3, seed=2,
                                          compress=False)
    ds = cls(str(tmp_path), train=True)
    assert len(ds) == 5 and ds.data.shape == (5, 28, 28) and ds.data.dtype == xa.uint8
    assert ds.targets.dtype == xa.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    np.testing.assert_array_equal(img, images[3])
    assert type(target) is int and target == labels[3]
    img[:] = 0                                   # the item is a copy
    np.testing.assert_array_equal(ds.data.numpy()[3], images[3])
    test = cls(tmp_path, train=False)            # a Path works too; uncompressed files
    np.testing.assert_array_equal(test.data.numpy(), test_images)
    np.testing.assert_array_equal(test.targets.numpy(), test_labels)
    assert "Split: Test" in repr(test)


def test_transform_and_target_transform_are_applied_as_torchvision(tmp_path,
                                                                   no_other_places):
    images, labels = make_split(tmp_path / "MNIST" / "raw", "train", 4, seed=3)
    ds = datasets.MNIST(tmp_path, transform=transforms.ToTensor(),
                        target_transform=lambda y: y + 100)
    x, y = ds[1]
    assert x.shape == (1, 28, 28) and x.dtype == xa.float32
    # torchvision's ToTensor on a uint8 image: float32 value / 255
    np.testing.assert_array_equal(x.numpy()[0], images[1].astype(np.float32) / np.float32(255))
    assert y == int(labels[1]) + 100
    xb, yb = next(iter(DataLoader(datasets.MNIST(tmp_path, transform=transforms.ToTensor()),
                                  batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and xb.dtype == xa.float32
    assert yb.dtype == xa.int64
    np.testing.assert_array_equal(yb.numpy(), labels.astype(np.int64))


def test_classes_match_torchvision():
    assert datasets.MNIST.classes[0] == "0 - zero" and datasets.MNIST.classes[9] == "9 - nine"
    assert datasets.FashionMNIST.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress",
                                             "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                             "Ankle boot"]
    assert datasets.KMNIST.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re",
                                       "wo"]


def test_xarxa_places_are_searched_too(tmp_path, no_other_places, monkeypatch):
    images, _ = make_split(tmp_path / "root" / "kmnist", "train", 2, seed=4)
    assert datasets.KMNIST(tmp_path / "root").data.shape == (2, 28, 28)   # root/<name>
    env_images, _ = make_split(tmp_path / "env" / "mnist", "t10k", 3, seed=5)
    monkeypatch.setenv("XARXA_DATA", str(tmp_path / "env"))
    ds = datasets.MNIST(tmp_path / "empty", train=False)                  # $XARXA_DATA/<name>
    np.testing.assert_array_equal(ds.data.numpy(), env_images)


def test_torchvision_layout_comes_first(tmp_path, no_other_places):
    raw, _ = make_split(tmp_path / "MNIST" / "raw", "train", 2, seed=6)
    make_split(tmp_path, "train", 3, seed=7)                               # root itself
    np.testing.assert_array_equal(datasets.MNIST(tmp_path).data.numpy(), raw)


@pytest.mark.parametrize("download", [False, True])
def test_missing_files_say_where_to_put_them(tmp_path, no_other_places, download):
    with pytest.raises(RuntimeError) as info:
        datasets.FashionMNIST(tmp_path / "data", train=True, download=download)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for place in (tmp_path / "data" / "FashionMNIST" / "raw", tmp_path / "data",
                  tmp_path / "data" / "fashion-mnist", tmp_path / "system" / "fashion-mnist"):
        assert f"  {place}\n" in message
    assert "train-images-idx3-ubyte[.gz]" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert ("never downloads" in message) == download
    with pytest.raises(RuntimeError, match=r"MNIST: dataset not found") as info:
        datasets.MNIST(tmp_path / "data", train=False)
    assert "dataset-fashion-mnist" not in str(info.value)


def test_bad_files_are_named(tmp_path, no_other_places):
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8), False)
    write_idx(raw / "train-labels-idx1-ubyte", np.zeros(2, np.uint8), False)
    with pytest.raises(ValueError, match=r"MNIST: .*has 3 images but .* has 2 labels"):
        datasets.MNIST(tmp_path)
    write_idx(raw / "train-labels-idx1-ubyte", np.array([0, 10, 1], np.uint8), False)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9, found 0\.\.10"):
        datasets.MNIST(tmp_path)
    write_idx(raw / "train-images-idx3-ubyte", np.zeros((3, 28 * 28), np.uint8), False)
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(N, H, W\)"):
        datasets.MNIST(tmp_path)
    with pytest.raises(TypeError, match="MNIST: transform must be callable"):
        datasets.MNIST(tmp_path, transform="ToTensor")


@pytest.mark.skipif(not FASHION_DIR.is_dir(),
                    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist_from_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.delenv("XARXA_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = datasets.FashionMNIST(tmp_path, train=False, download=True)  # files present: fine
    assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
    x, y = xa.datasets.fashion_mnist(train=False).tensors
    np.testing.assert_array_equal(ds.data.numpy(), np.rint(x.numpy()[:, 0] * 255))
    np.testing.assert_array_equal(ds.targets.numpy(), y.numpy())
    assert ds.classes[ds[0][1]] == "Ankle boot"        # the first test image's label is 9


def test_fake_data_is_deterministic_and_shaped_like_torchvision():
    xa.manual_seed(0)
    before = xa.rand(3).numpy()
    ds = datasets.FakeData(size=6, image_size=(3, 5, 4), num_classes=3)
    img, target = ds[2]
    assert img.dtype == np.uint8 and img.shape == (5, 4, 3)            # (H, W, C), as PIL
    assert type(target) is int and 0 <= target < 3
    again = datasets.FakeData(size=6, image_size=(3, 5, 4), num_classes=3)[2]
    np.testing.assert_array_equal(img, again[0])
    assert target == again[1]
    assert not np.array_equal(img, ds[3][0])
    shifted = datasets.FakeData(size=6, image_size=(3, 5, 4), num_classes=3, random_offset=1)
    np.testing.assert_array_equal(shifted[2][0], ds[3][0])              # seed index + offset
    np.testing.assert_array_equal(ds[-1][0], ds[5][0])
    xa.manual_seed(0)                                  # the global generator was not used
    np.testing.assert_array_equal(xa.rand(3).numpy(), before)
    grey = datasets.FakeData(size=2, image_size=(1, 7, 6), transform=transforms.ToTensor(),
                             target_transform=str)
    x, y = grey[0]
    assert x.shape == (1, 7, 6) and x.dtype == xa.float32 and isinstance(y, str)
    assert len(grey) == 2 and len(datasets.FakeData()) == 1000
    assert datasets.FakeData()[0][0].shape == (224, 224, 3)
    with pytest.raises(IndexError, match="FakeData index 6 out of range for size 6"):
        ds[6]
    with pytest.raises(ValueError, match=r"FakeData: image_size must be \(C, H, W\)"):
        datasets.FakeData(image_size=(28, 28))
