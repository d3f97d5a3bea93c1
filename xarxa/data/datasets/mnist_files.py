"""MNIST, Fashion-MNIST and KMNIST from local IDX files (never downloaded).

The four files keep their original names (``train-images-idx3-ubyte`` …, gzipped
or not) and are looked for, in order, in::

    root, root/<name>                       (when ``root`` is given)
    $XARXA_DATA/<name>, $XARXA_DATA         (when the variable is set)
    ~/.cache/xarxa/<name>
    /usr/share/datasets/<name>              (Debian: apt-get install dataset-fashion-mnist)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import read_idx

__all__ = ["load_mnist_family_arrays", "MNIST_FAMILY", "CLASSES", "search_dirs"]

MNIST_FAMILY = ("mnist", "fashion-mnist", "kmnist")
# Label i's name, as torchvision's ``.classes`` spell them.
CLASSES = {
    "mnist": ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
              "6 - six", "7 - seven", "8 - eight", "9 - nine"],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "kmnist": ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
}
_SIZES = {True: 60000, False: 10000}
_PREFIX = {True: "train", False: "t10k"}
_SYSTEM_DIR = Path("/usr/share/datasets")
# Debian packages that install the files under /usr/share/datasets/<name>.
_APT_PACKAGES = {"fashion-mnist": "dataset-fashion-mnist"}


def search_dirs(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """Return the directories searched for dataset ``name``, in search order."""
    dirs: list[Path] = []
    if root is not None:
        dirs += [Path(root), Path(root) / name]
    env = os.environ.get("XARXA_DATA")
    if env:
        dirs += [Path(env) / name, Path(env)]
    dirs += [Path.home() / ".cache" / "xarxa" / name, _SYSTEM_DIR / name]
    return dirs


def _find(directory: Path, stem: str) -> Path | None:
    # The uncompressed file first: it reads faster than the .gz next to it.
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _locate(name: str, root, train: bool) -> tuple[Path, Path]:
    stems = (f"{_PREFIX[train]}-images-idx3-ubyte", f"{_PREFIX[train]}-labels-idx1-ubyte")
    dirs = search_dirs(name, root)
    for directory in dirs:
        images, labels = (_find(directory, stem) for stem in stems)
        if images is not None and labels is not None:
            return images, labels
    looked = "\n".join(f"  {d}" for d in dirs)
    how = (
        f"put {stems[0]}(.gz) and {stems[1]}(.gz) in one of them, e.g. in "
        f"$XARXA_DATA/{name} (export XARXA_DATA=/path/to/data) or ~/.cache/xarxa/{name}"
    )
    if name in _APT_PACKAGES:
        how += f", or on Debian/Ubuntu run: sudo apt-get install {_APT_PACKAGES[name]}"
    raise FileNotFoundError(
        f"load_mnist_family_arrays: {name} {'train' if train else 'test'} files not found. "
        f"Looked in:\n{looked}\nTo get them, {how}."
    )


def load_mnist_family_arrays(
    name: str, root: str | os.PathLike | None = None, train: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST, Fashion-MNIST or KMNIST as ``(images, labels)``.

    Args:
        name: ``'mnist'``, ``'fashion-mnist'`` or ``'kmnist'``.
        root: a directory to search first (itself, then ``root/<name>``).
        train: ``True`` for the 60,000 training images, ``False`` for the 10,000
            test images.

    Shape:
        images: float32 (N, 1, 28, 28), pixel values scaled from 0..255 to [0, 1].
        labels: int64 (N,), values 0..9.

    Raises:
        FileNotFoundError: listing every directory searched and how to get the files.
        ValueError: if a file is corrupt or its shape, dtype, count or labels are wrong.

    Example:
        >>> x, y = load_mnist_family_arrays("fashion-mnist", train=False)  # doctest: +SKIP
        >>> x.shape, y.shape
        ((10000, 1, 28, 28), (10000,))
    """
    if name not in MNIST_FAMILY:
        raise ValueError(
            f"load_mnist_family_arrays: name must be one of {MNIST_FAMILY}, got {name!r}"
        )
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"load_mnist_family_arrays: train must be a bool, got {train!r}")
    train = bool(train)
    images_path, labels_path = _locate(name, root, train)
    images, labels = read_idx(images_path), read_idx(labels_path)
    _check(images, labels, images_path, labels_path, _SIZES[train])
    x = (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]
    return x, labels.astype(np.int64)


def _check(images: np.ndarray, labels: np.ndarray, ipath: Path, lpath: Path, n: int) -> None:
    """Validate what the IDX headers promised against what this dataset must be."""
    fn = "load_mnist_family_arrays"
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{fn}: {ipath}: expected uint8 images of shape (N, 28, 28), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{fn}: {lpath}: expected uint8 labels of shape (N,), got {labels.dtype} {labels.shape}"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{fn}: {ipath} has {images.shape[0]} images but {lpath} has "
            f"{labels.shape[0]} labels"
        )
    if images.shape[0] != n:
        raise ValueError(f"{fn}: {ipath}: expected {n} images, got {images.shape[0]}")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{fn}: {lpath}: labels must lie in 0..9, found {int(labels.max())}")
