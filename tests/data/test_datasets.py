"""Tests for xarxa.data.datasets: shipped digits, IDX reader, MNIST family, synthetic sets."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from xarxa.data.datasets import (
    imbalanced_blobs,
    linear_with_outliers,
    load_digits_arrays,
    load_mnist_family_arrays,
    logic_gate,
    read_idx,
    spirals,
    two_moons,
)
from xarxa.data.datasets import mnist_files as mnist_module

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
          np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as an IDX file: magic, big-endian uint32 dims, big-endian data."""
    header = bytes([0, 0, _CODES[array.dtype.type], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


# ---------------------------------------------------------------- digits


def test_digits_shapes_dtypes_and_ranges():
    x, y = load_digits_arrays(train=None)
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    # Pixels were integers 0..16 before scaling.
    np.testing.assert_array_equal(x * 16, np.round(x * 16))


def test_digits_split_is_80_20_stratified_and_disjoint():
    x_tr, y_tr = load_digits_arrays(train=True)
    x_te, y_te = load_digits_arrays(train=False)
    _, y_all = load_digits_arrays(train=None)
    assert len(y_tr) + len(y_te) == 1797
    assert len(y_te) == 359
    for c in range(10):
        n_c = int(np.sum(y_all == c))
        assert abs(int(np.sum(y_te == c)) - 0.2 * n_c) <= 1, c
        assert int(np.sum(y_tr == c)) + int(np.sum(y_te == c)) == n_c
    # Together the splits are exactly the whole set (as a multiset of rows).
    all_rows = np.sort(load_digits_arrays(train=None)[0].reshape(1797, -1), axis=0)
    split_rows = np.sort(np.concatenate([x_tr, x_te]).reshape(1797, -1), axis=0)
    np.testing.assert_array_equal(all_rows, split_rows)


def test_digits_is_deterministic():
    a, b = load_digits_arrays(train=False), load_digits_arrays(train=False)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_digits_rejects_bad_train_argument():
    with pytest.raises(TypeError, match="load_digits_arrays"):
        load_digits_arrays(train="test")


# ---------------------------------------------------------------- IDX reader


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", list(_CODES))
def test_read_idx_roundtrip(tmp_path, dtype, compress):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    path = write_idx(tmp_path / "file-idx3-ubyte", array, compress=compress)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_detects_gzip_by_magic_not_name(tmp_path):
    array = np.arange(6, dtype=np.uint8)
    path = tmp_path / "labels.idx"  # no .gz suffix, yet gzipped
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(path), array)


def test_read_idx_truncated_data(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(idx_bytes(np.zeros((4, 3), np.uint8))[:-2])
    with pytest.raises(ValueError, match=r"t\.idx.*expected 24 bytes.*truncated"):
        read_idx(path)


def test_read_idx_trailing_data(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(idx_bytes(np.zeros((2,), np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="trailing data"):
        read_idx(path)


def test_read_idx_truncated_header_and_gzip(tmp_path):
    short = tmp_path / "short.idx"
    short.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated header"):
        read_idx(short)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:-10])
    with pytest.raises(ValueError, match=r"broken\.gz.*gzip"):
        read_idx(broken)


@pytest.mark.parametrize("header", [b"\x01\x00\x08\x01", b"PK\x03\x04", b"\x00"])
def test_read_idx_wrong_magic(tmp_path, header):
    path = tmp_path / "bad.idx"
    path.write_bytes(header + b"\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match=r"bad\.idx"):
        read_idx(path)


def test_read_idx_unknown_dtype_code(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x00\x00\x0A\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match="dtype code 0x0A"):
        read_idx(path)


# ---------------------------------------------------------------- MNIST family


@pytest.fixture
def no_default_dirs(monkeypatch, tmp_path):
    """Keep the search away from the real ~/.cache and /usr/share/datasets."""
    monkeypatch.delenv("XARXA_DATA", raising=False)
    monkeypatch.setattr(mnist_module.Path, "home", staticmethod(lambda: tmp_path / "home"))
    monkeypatch.setattr(mnist_module, "_SYSTEM_DIR", tmp_path / "system")


def test_missing_files_error_lists_every_directory(tmp_path, monkeypatch, no_default_dirs):
    monkeypatch.setenv("XARXA_DATA", str(tmp_path / "env"))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist_family_arrays("fashion-mnist", root=tmp_path / "root")
    message = str(info.value)
    for d in [tmp_path / "root", tmp_path / "root" / "fashion-mnist",
              tmp_path / "env" / "fashion-mnist", tmp_path / "env",
              tmp_path / "home" / ".cache" / "xarxa" / "fashion-mnist",
              tmp_path / "system" / "fashion-mnist"]:
        assert str(d) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "XARXA_DATA" in message and "train-images-idx3-ubyte" in message


def test_image_label_count_mismatch(tmp_path, no_default_dirs):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(2, np.uint8), compress=True)
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        load_mnist_family_arrays("mnist", root=tmp_path, train=False)


def test_wrong_count_shape_and_labels(tmp_path, no_default_dirs):
    images, labels = tmp_path / "t10k-images-idx3-ubyte", tmp_path / "t10k-labels-idx1-ubyte"
    write_idx(images, np.zeros((3, 28, 28), np.uint8))
    write_idx(labels, np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="expected 10000 images, got 3"):
        load_mnist_family_arrays("kmnist", root=tmp_path, train=False)
    write_idx(images, np.zeros((3, 28, 27), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        load_mnist_family_arrays("kmnist", root=tmp_path, train=False)


def test_found_through_xarxa_data(tmp_path, monkeypatch, no_default_dirs):
    # A valid 10000-image test split is small enough (7.8 MB) to write once here.
    d = tmp_path / "env" / "mnist"
    d.mkdir(parents=True)
    labels = np.arange(10000, dtype=np.uint8) % 10
    images = np.zeros((10000, 28, 28), np.uint8)
    images[:, 0, 0] = 255
    write_idx(d / "t10k-images-idx3-ubyte.gz", images, compress=True)
    write_idx(d / "t10k-labels-idx1-ubyte.gz", labels, compress=True)
    monkeypatch.setenv("XARXA_DATA", str(tmp_path / "env"))
    x, y = load_mnist_family_arrays("mnist", train=False)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == 1.0 and x[0, 0, 1, 1] == 0.0
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)


def test_unknown_name():
    with pytest.raises(ValueError, match="fashion-mnist"):
        load_mnist_family_arrays("cifar10")


@pytest.mark.skipif(not FASHION_DIR.is_dir(),
                    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
def test_fashion_mnist_from_debian_package():
    x, y = load_mnist_family_arrays("fashion-mnist", root=FASHION_DIR, train=True)
    assert x.shape == (60000, 1, 28, 28) and y.shape == (60000,)
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 6000))
    x, y = load_mnist_family_arrays("fashion-mnist", root=FASHION_DIR, train=False)
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 1000))


# ---------------------------------------------------------------- synthetic sets


@pytest.mark.parametrize("name, table", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                         ("xor", [0, 1, 1, 0])])
def test_logic_gates(name, table):
    x, y = logic_gate(name)
    assert x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, table)
    with pytest.raises(ValueError, match="logic_gate"):
        logic_gate("nand")


GENERATORS = [
    (lambda seed: two_moons(101, noise=0.1, seed=seed), 101, 2),
    (lambda seed: spirals(100, classes=3, noise=0.05, seed=seed), 100, 2),
    (lambda seed: imbalanced_blobs(203, seed=seed), 203, 2),
]


@pytest.mark.parametrize("make, n, d", GENERATORS)
def test_classification_sets_shapes_and_determinism(make, n, d):
    x, y = make(0)
    assert x.shape == (n, d) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    x2, y2 = make(0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(1)[0], x)


def test_class_sizes():
    assert np.bincount(two_moons(101)[1]).tolist() == [51, 50]
    assert np.bincount(spirals(100, classes=3)[1]).tolist() == [34, 33, 33]
    assert np.bincount(imbalanced_blobs(1000)[1]).tolist() == [800, 100, 100]
    assert np.bincount(imbalanced_blobs(10, proportions=(0.5, 0.5))[1]).tolist() == [5, 5]


def test_linear_with_outliers():
    x, y = linear_with_outliers(200, slope=2.0, intercept=1.0, outlier_fraction=0.1, seed=0,
                                noise=0.01)
    assert x.shape == (200, 1) and y.shape == (200, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    residual = (y - (2.0 * x + 1.0))[:, 0]
    assert int(np.sum(residual > 1.0)) == 20          # the outliers, all pushed up
    assert np.all(np.abs(residual[residual <= 1.0]) < 0.1)
    np.testing.assert_array_equal(y, linear_with_outliers(200, 2.0, 1.0, 0.1, seed=0,
                                                          noise=0.01)[1])


@pytest.mark.parametrize("call, message", [
    (lambda: two_moons(0), r"two_moons: n must be an integer >= 1, got 0"),
    (lambda: two_moons(10, noise=-1.0), r"two_moons: noise must be >= 0, got -1\.0"),
    (lambda: spirals(10, classes=1), r"spirals: classes must be an integer >= 2, got 1"),
    (lambda: linear_with_outliers(10, outlier_fraction=1.5),
     r"linear_with_outliers: outlier_fraction must lie in \[0, 1\], got 1\.5"),
    (lambda: imbalanced_blobs(10, proportions=(0.8, 0.1)),
     r"imbalanced_blobs: proportions must be .* summing to 1, got \(0\.8, 0\.1\)"),
])
def test_synthetic_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
